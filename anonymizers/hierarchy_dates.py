"""Date hierarchy for k-anonymity: day, month, quarter, year, decade, century, then ``*``."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.hierarchy_kinds import InvalidSpec, LevelHierarchy
from anonymizers.operators._dates import is_date_like, parse_dates

DATE_UNITS = ("day", "month", "quarter", "year", "decade", "century")


class DateLevels(LevelHierarchy):
    """Dates, timestamps or date strings to ``day`` / ``month`` / ``quarter`` / ``year`` /
    ``decade`` / ``century`` (``"2024-03-05"``, ``"2024-03"``, ``"2024-Q1"``, ``"2024"``,
    ``"2020-2029"``, ``"2000-2099"``), units from finer to coarser. Unreadable strings become null.
    """

    def __init__(
        self, units: Sequence[str] = ("month", "year", "decade"), *, full_suppression: bool = True
    ) -> None:
        if isinstance(units, str) or not isinstance(units, Sequence):
            raise InvalidSpec("units", f"must be a list drawn from {list(DATE_UNITS)}")
        for unit in units:
            if unit not in DATE_UNITS:
                raise InvalidSpec("units", f"unknown unit {unit!r}; use {list(DATE_UNITS)}")
        order = [DATE_UNITS.index(unit) for unit in units]
        if order != sorted(set(order)):
            raise InvalidSpec("units", "units must go from finer to coarser, without repeats")
        self.units = tuple(units)
        super().__init__(len(self.units), full_suppression)

    def _step(self, values: pa.Array, level: int) -> pa.Array:
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            values = parse_dates(values)
        elif not is_date_like(values.type):
            raise ValueError(f"date levels need dates or date strings, got {values.type}")
        return _date_label(values, self.units[level - 1])

    def _describe_step(self, level: int) -> str:
        return self.units[level - 1]


def _date_label(values: pa.Array, unit: str) -> pa.Array:
    if unit in ("day", "month"):
        return pc.strftime(values, format="%Y-%m-%d" if unit == "day" else "%Y-%m")
    year = pc.year(values)
    if unit == "quarter":
        quarter = pc.cast(pc.quarter(values), pa.string())
        return pc.binary_join_element_wise(pc.cast(year, pa.string()), quarter, "-Q")
    if unit == "year":
        return pc.cast(year, pa.string())
    span = 10 if unit == "decade" else 100
    start = pc.multiply(pc.floor(pc.divide(pc.cast(year, pa.float64()), span)), span)
    first = pc.cast(pc.cast(start, pa.int64()), pa.string())
    last = pc.cast(pc.cast(pc.add(start, span - 1), pa.int64()), pa.string())
    return pc.binary_join_element_wise(first, last, "-")
