"""Suppression of rare values: a value seen fewer than ``k`` times in the column is removed."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, StrictInt, StrictStr

from anonymizers.operators._arrow import plain, to_text
from anonymizers.operators.base import Column, MaskContext, Operator, OperatorParams


def rare_values(column: Column, k: int) -> pa.Array:
    """The distinct non-null values of ``column`` that occur fewer than ``k`` times."""
    counts = pc.value_counts(column)
    values = counts.field("values")
    rare = pc.and_(pc.less(counts.field("counts"), k), pc.is_valid(values))
    return pc.filter(values, rare)


class SuppressRareParams(OperatorParams):
    """Params of ``suppress_rare``: the threshold ``k`` (>= 2, default 5) and an optional
    ``replacement`` string (default: null)."""

    k: StrictInt = Field(default=5, ge=2, le=1_000_000)
    replacement: StrictStr | None = Field(default=None, max_length=200)


class SuppressRareOperator(Operator):
    """Replace values seen fewer than ``k`` times in the column by null or ``replacement``.

    Counts are taken over the whole column given (all chunks). Without ``replacement`` the
    column keeps its type; with one, the column is stringified so the replacement fits.
    """

    name: ClassVar[str] = "suppress_rare"
    params_model: ClassVar[type[OperatorParams]] = SuppressRareParams
    params: SuppressRareParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Suppress the rare values of ``column``."""
        column = plain(column)
        if pa.types.is_null(column.type):
            return column
        rare = rare_values(column, self.params.k)
        hit = pc.is_in(column, value_set=rare)
        if self.params.replacement is None:
            return pc.if_else(hit, pa.scalar(None, type=column.type), column)
        text = to_text(column, self.name)
        return pc.if_else(hit, pa.scalar(self.params.replacement, type=text.type), text)
