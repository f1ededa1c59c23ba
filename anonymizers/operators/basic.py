"""The simplest operators: drop the column, keep it, or redact every value."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, StrictStr

from anonymizers.operators.base import Column, MaskContext, Operator, OperatorParams


class DropOperator(Operator):
    """Remove the column from the release (``apply`` returns ``None``). Takes no params."""

    name: ClassVar[str] = "drop"

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Return ``None``: the column is dropped."""
        return None


class KeepOperator(Operator):
    """Release the column unchanged. Takes no params."""

    name: ClassVar[str] = "keep"

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Return ``column`` as it is."""
        return column


class RedactParams(OperatorParams):
    """Params of ``redact``: the constant that replaces every non-null value."""

    replacement: StrictStr = Field(default="[REDACTED]", max_length=200)


class RedactOperator(Operator):
    """Replace every non-null value by ``replacement``; nulls stay null. Output is strings."""

    name: ClassVar[str] = "redact"
    params_model: ClassVar[type[OperatorParams]] = RedactParams
    params: RedactParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Return the constant for valid rows and null for null rows."""
        replacement = pa.scalar(self.params.replacement, type=pa.string())
        return pc.if_else(pc.is_valid(column), replacement, pa.scalar(None, type=pa.string()))
