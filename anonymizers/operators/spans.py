"""Free-text masking: replace the entity spans a span finder detects, in batches of texts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar, Literal

import pyarrow as pa
from pydantic import Field, StrictInt, StrictStr

from anonymizers.invisible import strip_invisible
from anonymizers.operators._arrow import to_text
from anonymizers.operators._keyed import pseudonyms
from anonymizers.operators.base import (
    Column,
    MaskContext,
    Operator,
    OperatorError,
    OperatorParams,
    Span,
    SpanFinder,
)


def merge_spans(spans: Sequence[Span], size: int, allowed: frozenset[str] | None) -> list[Span]:
    """Clip spans to ``[0, size]``, keep allowed entities, sort, and merge overlapping ones.

    A merged span is labelled with the entity of the span that starts first (the longest one on
    a tie). Empty and inverted spans are ignored; touching spans stay separate.
    """
    clipped = []
    for span in spans:
        entity, start, end = _checked_span(span)
        start, end = max(0, start), min(size, end)
        if start < end and (allowed is None or entity in allowed):
            clipped.append((start, -end, entity))
    merged: list[Span] = []
    for start, neg_end, entity in sorted(clipped):
        if merged and start < merged[-1][2]:
            first, first_start, first_end = merged[-1]
            merged[-1] = (first, first_start, max(first_end, -neg_end))
        else:
            merged.append((entity, start, -neg_end))
    return merged


def _checked_span(span: object) -> Span:
    """Check one span is ``(str, int, int)``; a malformed span is a span-finder bug."""
    if isinstance(span, tuple | list) and len(span) == 3:
        entity, start, end = span
        if isinstance(entity, str) and _is_int(start) and _is_int(end):
            return entity, start, end
    raise OperatorError(
        f"operator 'replace_spans': span finder returned {span!r}, not (entity, start, end)",
        operator="replace_spans",
    )


def _is_int(value: object) -> bool:
    """True for ints that are not bools."""
    return isinstance(value, int) and not isinstance(value, bool)


class ReplaceSpansParams(OperatorParams):
    """Params of ``replace_spans``.

    ``style``: ``"entity"`` (``<PHONE_NUMBER>``) or ``"pseudonym"`` (``<PHONE_NUMBER:1a2b3c4d>``,
    keyed like ``pseudonymize``); ``length``: hex length of those pseudonyms (8-64, default 8);
    ``entities``: optional allow-list of entity names to replace; ``batch_size``: texts per
    span-finder call (default 2000).
    """

    style: Literal["entity", "pseudonym"] = "entity"
    length: StrictInt = Field(default=8, ge=8, le=64)
    entities: tuple[StrictStr, ...] | None = Field(default=None, min_length=1)
    batch_size: StrictInt = Field(default=100_000, ge=1, le=1_000_000)


class ReplaceSpansOperator(Operator):
    """Replace detected entities inside free text; needs ``ctx.span_finder``.

    The finder is called once per batch of non-null texts. Overlapping and unsorted spans are
    merged first, so no part of a detected span survives. The pseudonym of a span is the same
    as ``pseudonymize`` would give its text (same secret and length), so a phone number in a
    note and in a phone column link up. Output is a string column; nulls stay null.
    """

    name: ClassVar[str] = "replace_spans"
    params_model: ClassVar[type[OperatorParams]] = ReplaceSpansParams
    params: ReplaceSpansParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Replace the spans found in every text of ``column``."""
        if ctx.span_finder is None:
            raise self.fail("needs a span finder (MaskContext.span_finder is None)")
        text = to_text(column, self.name)
        if isinstance(text, pa.Array):
            return self._chunk(text, ctx.span_finder, ctx.secret)
        chunks = [self._chunk(chunk, ctx.span_finder, ctx.secret) for chunk in text.chunks]
        return pa.chunked_array(chunks, type=pa.string())

    def _chunk(self, texts: pa.Array, finder: SpanFinder, secret: bytes) -> pa.Array:
        """Process one array in batches of ``batch_size`` texts."""
        out: list[str | None] = []
        for batch in _batches(texts.to_pylist(), self.params.batch_size):
            out.extend(self._batch(batch, finder, secret))
        return pa.array(out, type=pa.string())

    def _batch(
        self, batch: list[str | None], finder: SpanFinder, secret: bytes
    ) -> list[str | None]:
        """Call the finder on the non-null texts of ``batch`` and rewrite them."""
        present = [text for text in batch if text is not None]
        found = list(finder(present)) if present else []
        if len(found) != len(present):
            raise self.fail(f"span finder returned {len(found)} results for {len(present)} texts")
        allowed = frozenset(self.params.entities) if self.params.entities else None
        rewritten = iter(
            [self._rewrite(t, s, allowed, secret) for t, s in zip(present, found, strict=True)]
        )
        return [None if text is None else next(rewritten) for text in batch]

    def _rewrite(
        self, text: str, spans: Sequence[Span], allowed: frozenset[str] | None, secret: bytes
    ) -> str:
        """Replace the merged spans of one text, left to right."""
        merged = merge_spans(spans, len(text), allowed)
        if not merged:
            return text
        labels = self._labels(text, merged, secret)
        pieces, cursor = [], 0
        for (_, start, end), label in zip(merged, labels, strict=True):
            pieces += [text[cursor:start], label]
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def _labels(self, text: str, spans: list[Span], secret: bytes) -> list[str]:
        """``<ENTITY>`` or ``<ENTITY:pseudonym>`` for each span."""
        if self.params.style == "entity":
            return [f"<{entity}>" for entity, _, _ in spans]
        raw = [strip_invisible(text[start:end]).encode("utf-8") for _, start, end in spans]
        keyed = pseudonyms(raw, secret, self.params.length)
        return [f"<{entity}:{p}>" for (entity, _, _), p in zip(spans, keyed, strict=True)]


def _batches(items: list[str | None], size: int) -> Iterator[list[str | None]]:
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
