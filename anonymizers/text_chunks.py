"""The worker side of whole-column free-text masking (:mod:`anonymizers.bulk_text`): one
chunk of rows blanked, scanned and rewritten in a span worker.

Kept apart from :mod:`anonymizers.bulk_text` so that a span worker imports only what it
runs: the operator package (pydantic, the operator registry) is not needed here, and
pseudonyms (:mod:`anonymizers.operators._keyed`) are imported only for ``"pseudonym"`` jobs.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import contains
from typing import Any, TypeAlias

import pyarrow as pa

from anonymizers import fast_spans
from anonymizers.arrow_strings import string_array
from anonymizers.invisible import strip_invisible

MIN_KNOWN_VALUE_LENGTH = 2


@dataclass(frozen=True)
class RowRange:
    """Rows ``start:stop`` of a string column, copied into buffers of their own only when
    pickled (for a worker process, which then receives a plain Arrow array): a pickled
    slice would carry the whole column's buffers, and copying every chunk of a column up
    front would hold the column twice."""

    column: pa.Array | pa.ChunkedArray
    start: int
    stop: int

    def array(self) -> pa.Array:
        """The rows as one array with buffers of their own."""
        rows = self.column.slice(self.start, self.stop - self.start)
        return pa.concat_arrays(rows.chunks if isinstance(rows, pa.ChunkedArray) else [rows])

    def __reduce__(self) -> str | tuple[Any, ...]:
        """Pickle as the copied rows."""
        reduced: tuple[Any, ...] = self.array().__reduce__()
        return reduced


Rows: TypeAlias = pa.Array | RowRange
Known = tuple[str, Rows]  # entity, the row-aligned raw values of a masked column (text)


@dataclass(frozen=True)
class TextJob:
    """How spans are replaced: ``style`` ``"entity"`` or ``"pseudonym"`` (``length`` hex
    characters keyed with ``secret``), an optional allow-list of entities, the score floor."""

    style: str
    length: int
    entities: tuple[str, ...] | None
    secret: bytes
    threshold: float = fast_spans.DEFAULT_THRESHOLD


def blank_known(texts: list[str | None], known: Sequence[tuple[str, list[str | None]]]) -> None:
    """Replace, in place, every occurrence of a row's own masked identifier values (at least
    two characters) in that row's text by ``<ENTITY>``, longest value first: a value the
    detector would miss cannot survive in the notes."""
    found: dict[int, list[tuple[str, str]]] = {}
    for entity, values in known:
        for row, value in _contained(values, texts):
            if len(value) >= MIN_KNOWN_VALUE_LENGTH:
                found.setdefault(row, []).append((value, entity))
    for row, pairs in found.items():
        text = texts[row]
        if len(pairs) > 1:
            pairs.sort(key=lambda pair: -len(pair[0]))
        for value, entity in pairs:
            text = text.replace(value, f"<{entity}>") if text else text
        texts[row] = text


def _contained(values: list[str | None], texts: list[str | None]) -> list[tuple[int, str]]:
    """(row, value) where the row's non-empty value occurs in its non-empty text."""
    if len(values) != len(texts):
        raise ValueError(f"{len(values)} known values for {len(texts)} texts")
    if None in values or None in texts:
        return [
            (row, value)
            for row, (value, text) in enumerate(zip(values, texts, strict=True))
            if value and text and value in text
        ]
    # No nulls (the usual case): ``value in text`` for every row at C speed, then the few
    # rows that hold their value are checked in full.
    rows = compress(count(), map(contains, texts, values))  # type: ignore[arg-type]
    return [(row, value) for row in rows if (value := values[row]) and texts[row]]


def rewrite(text: str, hits: Sequence[fast_spans.Found], job: TextJob) -> str:
    """``text`` with each resolved (non-overlapping, ordered) hit of an allowed entity
    replaced by its label."""
    return rewrite_all({text: hits}, job)[text]


def rewrite_all(found: Mapping[str, Sequence[fast_spans.Found]], job: TextJob) -> dict[str, str]:
    """:func:`rewrite` of each text of ``found`` (text -> its resolved hits); pseudonyms are
    keyed once per distinct span value of the whole batch."""
    allowed = job.entities
    kept = {
        text: [h for h in hits if h[0] in allowed] if allowed is not None else hits
        for text, hits in found.items()
    }
    if job.style != "entity":
        return _with_pseudonyms(kept, job)
    return {text: _splice(text, hits, _entity_tag) for text, hits in kept.items()}


def _entity_tag(entity: str, _start: int) -> str:
    return f"<{entity}>"


def _splice(text: str, hits: Sequence[fast_spans.Found], label: Callable[[str, int], str]) -> str:
    """``text`` with each hit (left to right, not overlapping) replaced by ``label(entity,
    start)``."""
    if not hits:
        return text
    pieces: list[str] = []
    cursor = 0
    for entity, start, end, _ in hits:
        pieces += (text[cursor:start], label(entity, start))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _with_pseudonyms(
    found: Mapping[str, Sequence[fast_spans.Found]], job: TextJob
) -> dict[str, str]:
    """The texts with each hit replaced by ``<ENTITY:pseudonym>`` (the pseudonym of the span
    without its invisible characters)."""
    raw = {
        (text, start): strip_invisible(text[start:end]).encode("utf-8")
        for text, hits in found.items()
        for _, start, end, _ in hits
    }
    values = list(dict.fromkeys(raw.values()))
    keyed = dict(zip(values, _pseudonyms()(values, job.secret, job.length), strict=True))

    def tag(text: str) -> Callable[[str, int], str]:
        return lambda entity, start: f"<{entity}:{keyed[raw[text, start]]}>"

    return {text: _splice(text, hits, tag(text)) for text, hits in found.items()}


def _pseudonyms() -> Callable[[list[bytes], bytes, int], list[str]]:
    """:func:`anonymizers.operators._keyed.pseudonyms`, imported on first use."""
    from anonymizers.operators._keyed import pseudonyms

    return pseudonyms


def mask_chunk(texts: Rows, known: Sequence[Known], job: TextJob) -> pa.Array:
    """One chunk masked (runs in a worker process): blank known values, find spans once per
    distinct text, rewrite. Nulls stay null, empty texts stay empty.

    The cyclic garbage collector is paused meanwhile: the chunk makes hundreds of thousands
    of short-lived, acyclic objects, and each collection would walk the long-lived tables
    too (about a quarter of the time).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _mask_rows(texts, known, job)
    finally:
        if paused:
            gc.enable()


def _mask_rows(texts: Rows, known: Sequence[Known], job: TextJob) -> pa.Array:
    """The body of :func:`mask_chunk`."""
    rows: list[str | None] = _array(texts).to_pylist()
    if known:
        blank_known(rows, [(entity, _array(values).to_pylist()) for entity, values in known])
    present = [text for text in rows if text]
    found = fast_spans.scan_distinct(present, None, job.threshold)
    masked = rewrite_all(found, job)
    return string_array([masked[text] if text else text for text in rows])


def _array(rows: Rows) -> pa.Array:
    """``rows`` as an Arrow array (a :class:`RowRange` arrives as one in a worker process,
    but stays a range when the chunk runs in the calling process)."""
    return rows.array() if isinstance(rows, RowRange) else rows
