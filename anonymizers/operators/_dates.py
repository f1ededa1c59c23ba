"""Date helpers: parsing date strings, truncating and shifting dates, all column-wise."""

from __future__ import annotations

import re
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.operators._arrow import map_unique, plain
from anonymizers.operators.base import Column

_SEPARATED = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:[T ]\s*)?(.*?)\s*$"
)
_DAY_UNITS = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
PARSED = pa.timestamp("us")


def is_date_like(data_type: pa.DataType) -> bool:
    """True for date32, date64 and timestamp types."""
    return bool(pa.types.is_date(data_type) or pa.types.is_timestamp(data_type))


def parse_text(text: str) -> datetime | None:
    """Parse one date or date-time string; ``None`` when it is not a valid date.

    Accepts ISO 8601 (``2024-03-05``, ``2024-03-05T10:00:00``, ``20240305``, offsets) and the
    usual Chinese and slashed forms (``2024年3月5日``, ``2024/3/5 10:00``). A UTC offset is
    dropped: the local wall-clock time is kept.
    """
    match = _SEPARATED.match(text)
    if match:
        year, month, day, rest = match.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}" + (f"T{rest}" if rest else "")
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None)
    except ValueError:
        return None


def _parse_uniques(values: pa.Array) -> pa.Array:
    """Parse an array of distinct strings in Python (the slow, lenient path)."""
    return pa.array([parse_text(v) for v in values.to_pylist()], type=PARSED)


def parse_dates(column: Column) -> Column:
    """Parse a string column to ``timestamp[us]``; unparseable values become null.

    Tries Arrow's strict ISO cast over the whole column first and falls back to parsing each
    distinct value when any value is in another format or invalid (e.g. ``2024-02-30``).
    """
    column = plain(column)
    try:
        return pc.cast(column, PARSED)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return map_unique(column, _parse_uniques)


def truncate_dates(column: Column, to: str) -> Column:
    """Format a date/timestamp column as ``YYYY-MM`` (``to="month"``) or ``YYYY``."""
    return pc.strftime(column, format="%Y-%m" if to == "month" else "%Y")


def format_parsed(column: Column) -> Column:
    """ISO strings for parsed timestamps: ``YYYY-MM-DD`` at midnight, else with the time."""
    seconds = pc.cast(column, pa.timestamp("s"), safe=False)
    midnight = pc.equal(pc.floor_temporal(seconds, unit="day"), seconds)
    day = pc.strftime(seconds, format="%Y-%m-%d")
    full = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S")
    return pc.if_else(midnight, day, full)


def shift_days(column: Column, days: Column) -> Column:
    """Add ``days`` (int64, aligned with ``column``) to a date32/date64/timestamp column."""
    data_type = column.type
    if pa.types.is_date32(data_type):
        moved = pc.add(pc.cast(column, pa.int32()), days)
        return pc.cast(pc.cast(moved, pa.int32()), data_type)
    per_day = 86_400_000 if pa.types.is_date64(data_type) else _DAY_UNITS[data_type.unit]
    moved = pc.add(pc.cast(column, pa.int64()), pc.multiply(days, per_day))
    return pc.cast(moved, data_type)
