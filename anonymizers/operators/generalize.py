"""Generalisation: numbers to bands, ages to age bands, dates to month/year, postcodes to a
prefix, Chinese addresses to their district."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, StrictInt, model_validator

from anonymizers.operators._address import address_to_district
from anonymizers.operators._arrow import is_text, plain, to_text
from anonymizers.operators._bands import band, null_below, to_numbers
from anonymizers.operators._dates import is_date_like, parse_dates, truncate_dates
from anonymizers.operators.base import Column, MaskContext, Operator, OperatorParams, ParamError
from anonymizers.operators.mask import mask_text

Kind = Literal["numeric_band", "age_band", "date", "postcode", "address_to_district"]

_APPLIES: dict[str, frozenset[str]] = {
    "numeric_band": frozenset({"width", "lower", "upper"}),
    "age_band": frozenset({"width", "upper"}),
    "date": frozenset({"to"}),
    "postcode": frozenset({"keep"}),
    "address_to_district": frozenset(),
}
DEFAULT_WIDTH = 10
DEFAULT_AGE_UPPER = 90
DEFAULT_POSTCODE_KEEP = 3
POSTCODE_DIGITS = 6


class GeneralizeParams(OperatorParams):
    """Params of ``generalize``. ``kind`` picks the rule; each kind accepts only its own params.

    - ``numeric_band``: ``width`` (default 10), optional ``lower`` / ``upper`` open bands.
    - ``age_band``: ``width`` (default 10), ``upper`` (default 90, giving ``"90+"``).
    - ``date``: ``to`` = ``"month"`` or ``"year"`` (default ``"year"``).
    - ``postcode``: ``keep`` leading digits (default 3).
    - ``address_to_district``: no params.
    """

    kind: Kind
    width: StrictInt | None = Field(default=None, ge=1)
    lower: StrictInt | None = None
    upper: StrictInt | None = None
    to: Literal["month", "year"] | None = None
    keep: StrictInt | None = Field(default=None, ge=0, le=POSTCODE_DIGITS)

    @model_validator(mode="after")
    def _check_kind(self) -> Self:
        """Refuse params that do not apply to ``kind`` and an empty ``lower``-``upper`` range."""
        for field in ("width", "lower", "upper", "to", "keep"):
            if getattr(self, field) is not None and field not in _APPLIES[self.kind]:
                raise ParamError(field, f"does not apply to kind '{self.kind}'")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ParamError("upper", "must be greater than 'lower'")
        if self.kind == "age_band" and self.upper is not None and self.upper <= 0:
            raise ParamError("upper", "must be positive for an age band")
        return self


class GeneralizeOperator(Operator):
    """Replace values by a coarser category (see ``GeneralizeParams`` for the kinds).

    Output is a string column (``"30-39"``, ``"60+"``, ``"2024-03"``, ``"510***"``,
    ``"广东省广州市天河区"``); nulls, and values that cannot be read (a non-date string for
    ``date``, an address with no known division), become null rather than pass through.
    """

    name: ClassVar[str] = "generalize"
    params_model: ClassVar[type[OperatorParams]] = GeneralizeParams
    params: GeneralizeParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Generalise ``column`` according to ``kind``."""
        p = self.params
        width = p.width or DEFAULT_WIDTH
        if p.kind == "numeric_band":
            return band(to_numbers(column, self.name), width, p.lower, p.upper)
        if p.kind == "age_band":
            ages = null_below(to_numbers(column, self.name), 0)
            return band(ages, width, None, p.upper or DEFAULT_AGE_UPPER)
        if p.kind == "date":
            return self._date(column, p.to or "year")
        if p.kind == "postcode":
            return self._postcode(column, DEFAULT_POSTCODE_KEEP if p.keep is None else p.keep)
        return address_to_district(column, self.name)

    def _date(self, column: Column, to: str) -> Column:
        """Truncate dates/timestamps, or date strings after parsing them."""
        column = plain(column)
        if pa.types.is_null(column.type) or is_text(column.type):
            column = parse_dates(column)
        elif not is_date_like(column.type):
            raise self.fail(
                f"kind 'date' needs a date, timestamp or string column, not {column.type}"
            )
        return truncate_dates(column, to)

    def _postcode(self, column: Column, keep: int) -> Column:
        """Keep the leading digits; integer postcodes are zero-padded to six digits first."""
        column = plain(column)
        text = to_text(column, self.name)
        if pa.types.is_integer(column.type):
            text = pc.utf8_lpad(text, width=POSTCODE_DIGITS, padding="0")
        return mask_text(pc.utf8_trim_whitespace(text), keep, 0, "*")
