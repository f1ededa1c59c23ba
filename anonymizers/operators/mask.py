"""Partial masking: keep the first/last characters and hide the middle, fully vectorised."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, StrictInt, StrictStr

from anonymizers.operators._arrow import to_text
from anonymizers.operators.base import Column, MaskContext, Operator, OperatorParams


def mask_text(column: Column, keep_first: int, keep_last: int, char: str) -> Column:
    """Keep ``keep_first`` leading and ``keep_last`` trailing characters, mask the middle.

    Characters are Unicode code points, so CJK text is handled (``张三丰`` with 1/0 -> ``张**``).
    A value no longer than ``keep_first + keep_last`` is masked completely, so a short value is
    never released whole. The mask keeps the value's length. ``column`` must be UTF-8 text.
    """
    length = pc.utf8_length(column)
    fill = pa.scalar(char, type=column.type)
    head = pc.utf8_slice_codeunits(column, 0, keep_first)
    hidden = pc.max_element_wise(pc.subtract(length, keep_first + keep_last), 0)
    middle = pc.binary_repeat(fill, hidden)
    if keep_last > 0:
        tail = pc.utf8_slice_codeunits(column, -keep_last)
    else:
        tail = pc.utf8_slice_codeunits(column, 0, 0)
    partial = pc.binary_join_element_wise(head, middle, tail, pa.scalar("", type=column.type))
    too_short = pc.less_equal(length, keep_first + keep_last)
    if not pc.any(too_short).as_py():
        return partial
    return pc.if_else(too_short, pc.binary_repeat(fill, length), partial)


class MaskParams(OperatorParams):
    """Params of ``mask``: how many characters to keep at each end, and the mask character."""

    keep_first: StrictInt = Field(default=3, ge=0, le=1000)
    keep_last: StrictInt = Field(default=4, ge=0, le=1000)
    char: StrictStr = Field(default="*", min_length=1, max_length=1)


class MaskOperator(Operator):
    """Partial mask, e.g. ``13812345678`` -> ``138****5678`` with the defaults (3 and 4).

    Numbers are stringified first; the output is a string column; nulls stay null.
    """

    name: ClassVar[str] = "mask"
    params_model: ClassVar[type[OperatorParams]] = MaskParams
    params: MaskParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Mask every value of ``column`` (see ``mask_text``)."""
        p = self.params
        return mask_text(to_text(column, self.name), p.keep_first, p.keep_last, p.char)
