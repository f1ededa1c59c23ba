"""Mask a whole free-text column on the fast path, in worker processes, while the caller masks
the other columns.

:func:`start_text_masking` is a :data:`~anonymizers.operators.base.TextMasker`: it cuts the
column into row chunks and hands each to the span workers (:mod:`anonymizers.span_pool`),
then returns at once; the returned function waits for the masked column. Each chunk goes
through the same three steps as ``apply_plan`` + ``replace_spans`` with the bulk span finder:
the row's own masked identifiers are blanked (:func:`blank_known`), spans are found with
:func:`anonymizers.fast_spans.scan` (once per distinct text) and replaced left to right by
``<ENTITY>`` or ``<ENTITY:pseudonym>``. The results equal that path's, text for text; the
gain is that no per-row Python work is left in the calling process. Small columns, or a
process that cannot have workers, run the chunks in-process when the result is asked for.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers import fast_spans, span_pool
from anonymizers.invisible import strip_invisible
from anonymizers.operators._arrow import to_text
from anonymizers.operators._keyed import pseudonyms
from anonymizers.operators.base import Column
from anonymizers.operators.spans import ReplaceSpansParams

MIN_KNOWN_VALUE_LENGTH = 2
Known = tuple[str, pa.Array]  # entity, the row-aligned raw values of a masked column (text)


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
            found.setdefault(row, []).append((value, entity))
    for row, pairs in found.items():
        text = texts[row]
        if len(pairs) > 1:
            pairs.sort(key=lambda pair: -len(pair[0]))
        for value, entity in pairs:
            text = text.replace(value, f"<{entity}>") if text else text
        texts[row] = text


def _contained(values: list[str | None], texts: list[str | None]) -> list[tuple[int, str]]:
    """(row, value) where the row's value (at least two characters) occurs in its text."""
    return [
        (row, value)
        for row, (value, text) in enumerate(zip(values, texts, strict=True))
        if value and text and value in text and len(value) >= MIN_KNOWN_VALUE_LENGTH
    ]


def rewrite(text: str, hits: Sequence[fast_spans.Found], job: TextJob) -> str:
    """``text`` with each resolved (non-overlapping, ordered) hit of an allowed entity
    replaced by its label."""
    spans = [h for h in hits if job.entities is None or h[0] in job.entities]
    if not spans:
        return text
    if job.style == "entity":
        labels = [f"<{entity}>" for entity, _, _, _ in spans]
    else:
        raw = [strip_invisible(text[start:end]).encode("utf-8") for _, start, end, _ in spans]
        keyed = pseudonyms(raw, job.secret, job.length)
        labels = [f"<{h[0]}:{p}>" for h, p in zip(spans, keyed, strict=True)]
    pieces, cursor = [], 0
    for (_, start, end, _), label in zip(spans, labels, strict=True):
        pieces += [text[cursor:start], label]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_chunk(texts: pa.Array, known: Sequence[Known], job: TextJob) -> pa.Array:
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


def _mask_rows(texts: pa.Array, known: Sequence[Known], job: TextJob) -> pa.Array:
    """The body of :func:`mask_chunk`."""
    rows: list[str | None] = texts.to_pylist()
    if known:
        blank_known(rows, [(entity, values.to_pylist()) for entity, values in known])
    present = [text for text in rows if text]
    found = fast_spans.scan_distinct(present, None, job.threshold)
    masked = {text: rewrite(text, hits, job) for text, hits in found.items()}
    return pa.array([masked[text] if text else text for text in rows], type=pa.string())


def _flat_text(column: Column) -> pa.Array:
    """``column`` as one UTF-8 string array."""
    text = to_text(column, "replace_spans")
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _known_arrays(known: Sequence[tuple[str, Column]]) -> list[Known]:
    """Known columns as text, values shorter than ``MIN_KNOWN_VALUE_LENGTH`` nulled."""
    out = []
    for entity, column in known:
        text = _flat_text(column)
        long_enough = pc.greater_equal(pc.utf8_length(text), MIN_KNOWN_VALUE_LENGTH)
        out.append((entity, pc.if_else(long_enough, text, pa.scalar(None, pa.string()))))
    return out


def _compact(array: pa.Array, lo: int, hi: int) -> pa.Array:
    """Rows ``lo:hi`` of ``array`` in buffers of their own (a pickled slice would carry
    the whole column's buffers to the worker)."""
    return pa.concat_arrays([array.slice(lo, hi - lo)])


def start_text_masking(
    texts: Column, known: Sequence[tuple[str, Column]], job: TextJob
) -> Callable[[], pa.Array]:
    """Start masking ``texts`` (row-aligned with the ``known`` identifier columns); the
    returned function waits for and returns the masked column (a string array)."""
    flat = _flat_text(texts)
    arrays = _known_arrays(known)
    bounds = span_pool.row_chunks(len(flat), span_pool.default_workers())
    tasks = [
        (_compact(flat, lo, hi), [(e, _compact(a, lo, hi)) for e, a in arrays], job)
        for lo, hi in bounds
    ]
    return _Masked(span_pool.start(mask_chunk, tasks))


class _Masked:
    """The masked column, once the chunks are done; :meth:`cancel` drops unstarted chunks."""

    def __init__(self, pending: Callable[[], list[pa.Array]]) -> None:
        self._pending = pending

    def __call__(self) -> pa.Array:
        """Wait for the chunks and join them."""
        pieces = self._pending()
        return pa.concat_arrays(pieces) if pieces else pa.array([], type=pa.string())

    def cancel(self) -> None:
        """Drop the chunks that have not started."""
        cancel = getattr(self._pending, "cancel", None)
        if cancel is not None:
            cancel()


def text_masker(
    texts: Column, known: Sequence[tuple[str, Column]], params: Mapping[str, Any], secret: bytes
) -> Callable[[], Column]:
    """The fast path as a :data:`~anonymizers.operators.base.TextMasker`: ``params`` are
    ``replace_spans``'s (validated here)."""
    checked = ReplaceSpansParams.model_validate(dict(params))
    job = TextJob(checked.style, checked.length, checked.entities, secret)
    return start_text_masking(texts, known, job)
