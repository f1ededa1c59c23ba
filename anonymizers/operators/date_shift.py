"""Date shifting: move every date of a person by the same secret number of days."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, StrictInt

from anonymizers.operators._arrow import is_text, map_unique, plain
from anonymizers.operators._dates import format_parsed, is_date_like, parse_dates, shift_days
from anonymizers.operators._keyed import dataset_day_offset, day_offsets
from anonymizers.operators.base import Column, MaskContext, Operator, OperatorParams


class DateShiftParams(OperatorParams):
    """Params of ``date_shift``: the largest shift in days (1-3650, default 30)."""

    max_days: StrictInt = Field(default=30, ge=1, le=3650)


class DateShiftOperator(Operator):
    """Shift dates by a keyed, per-person offset in ``[-max_days, +max_days]`` (never 0).

    With ``ctx.person_ids`` the offset is HMAC(secret, person id) mapped onto the range, so all
    dates of one person move together and intervals between them are preserved; rows with a
    null person id, and every row when ``ctx.person_ids`` is None, use one dataset-wide offset
    (HMAC of a constant). Offsets are domain-separated from pseudonyms, so a published
    pseudonym does not reveal its person's offset.

    date32, date64 and timestamp columns keep their type. Strings are parsed as dates (ISO and
    common Chinese forms) and returned as ISO strings (``YYYY-MM-DD``, or
    ``YYYY-MM-DDTHH:MM:SS`` when there is a time of day); unparseable strings become null.
    """

    name: ClassVar[str] = "date_shift"
    params_model: ClassVar[type[OperatorParams]] = DateShiftParams
    params: DateShiftParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Shift every date of ``column``."""
        column = plain(column)
        if is_date_like(column.type):
            return shift_days(column, self._offsets(column, ctx))
        if is_text(column.type) or pa.types.is_null(column.type):
            parsed = parse_dates(column)
            return format_parsed(shift_days(parsed, self._offsets(column, ctx)))
        raise self.fail(f"needs a date, timestamp or string column, got {column.type}")

    def _offsets(self, column: Column, ctx: MaskContext) -> Column:
        """Day offset per row: keyed by person id, the dataset offset where there is none."""
        max_days = self.params.max_days
        fallback = pa.scalar(dataset_day_offset(ctx.secret, max_days), type=pa.int64())
        if ctx.person_ids is None:
            return pc.if_else(pc.is_valid(column), fallback, pa.scalar(None, type=pa.int64()))
        if len(ctx.person_ids) != len(column):
            raise self.fail(
                f"ctx.person_ids has {len(ctx.person_ids)} rows, the column {len(column)}"
            )

        def keyed(values: pa.Array) -> pa.Array:
            return day_offsets(values, ctx.secret, max_days)

        return pc.fill_null(map_unique(ctx.person_ids, keyed), fallback)
