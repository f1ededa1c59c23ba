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
The per-chunk steps live in :mod:`anonymizers.text_chunks`, which is all a worker imports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers import span_pool
from anonymizers.operators._arrow import to_text
from anonymizers.operators.base import Column
from anonymizers.operators.spans import ReplaceSpansParams
from anonymizers.text_chunks import (
    MIN_KNOWN_VALUE_LENGTH,
    RowRange,
    TextJob,
    blank_known,
    mask_chunk,
    rewrite,
)

__all__ = ["TextJob", "blank_known", "mask_chunk", "rewrite", "start_text_masking", "text_masker"]


def _text(column: Column) -> pa.Array | pa.ChunkedArray:
    """``column`` as UTF-8 strings (chunks are kept: each task copies only its rows)."""
    return to_text(column, "replace_spans")


def _known_arrays(known: Sequence[tuple[str, Column]]) -> list[tuple[str, Column]]:
    """Known columns as text, values shorter than ``MIN_KNOWN_VALUE_LENGTH`` nulled."""
    out = []
    for entity, column in known:
        text = _text(column)
        lengths = pc.utf8_length(text)
        shortest = pc.min(lengths).as_py()
        if shortest is not None and shortest < MIN_KNOWN_VALUE_LENGTH:  # else nothing to null
            long_enough = pc.greater_equal(lengths, MIN_KNOWN_VALUE_LENGTH)
            text = pc.if_else(long_enough, text, pa.scalar(None, pa.string()))
        out.append((entity, text))
    return out


def start_text_masking(
    texts: Column, known: Sequence[tuple[str, Column]], job: TextJob
) -> Callable[[], pa.Array]:
    """Start masking ``texts`` (row-aligned with the ``known`` identifier columns); the
    returned function waits for and returns the masked column (a string array).

    Each task names its rows (:class:`~anonymizers.text_chunks.RowRange`); they are copied
    out of the columns only when the task is sent to a worker, so only the chunks in flight
    are held twice.
    """
    text = _text(texts)
    arrays = _known_arrays(known)
    bounds = span_pool.row_chunks(len(text), span_pool.default_workers())
    tasks = [
        (RowRange(text, lo, hi), [(e, RowRange(a, lo, hi)) for e, a in arrays], job)
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
