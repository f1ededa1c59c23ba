"""Numeric banding: ``35`` -> ``"30-39"``, with optional open bands ``"<18"`` and ``"60+"``."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.operators._arrow import is_text, map_unique, plain
from anonymizers.operators.base import Column, OperatorError

_LIMIT = 2.0**53


def to_numbers(column: Column, operator: str) -> Column:
    """Return ``column`` as float64; numeric strings are parsed, anything else is refused."""
    column = plain(column)
    data_type = column.type
    numeric = pa.types.is_integer(data_type) or pa.types.is_floating(data_type)
    if not (numeric or pa.types.is_decimal(data_type) or pa.types.is_null(data_type)) and not (
        is_text(data_type)
    ):
        raise OperatorError(
            f"operator '{operator}': needs a numeric column, got {data_type}", operator=operator
        )
    try:
        return pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise OperatorError(
            f"operator '{operator}': column has values that are not numbers", operator=operator
        ) from exc


def band_codes(values: Column, width: int, lower: int | None, upper: int | None) -> Column:
    """Integer band start per value (floats are floored first); ``lower - 1`` / ``upper`` mark
    the open bands below ``lower`` and from ``upper`` up. Non-finite or huge values become null."""
    anchor = lower if lower is not None else 0
    finite = pc.and_(pc.is_finite(values), pc.less(pc.abs(values), _LIMIT))
    values = pc.if_else(finite, values, pa.scalar(None, type=pa.float64()))
    steps = pc.floor(pc.divide(pc.subtract(pc.floor(values), anchor), width))
    codes = pc.add(pc.multiply(steps, width), anchor)
    if lower is not None:
        codes = pc.if_else(pc.less(values, lower), float(lower - 1), codes)
    if upper is not None:
        codes = pc.if_else(pc.greater_equal(values, upper), float(upper), codes)
    return pc.cast(codes, pa.int64())


def band_label(code: int, width: int, lower: int | None, upper: int | None) -> str:
    """Label of one band start code (see ``band_codes``)."""
    if lower is not None and code < lower:
        return f"<{lower}"
    if upper is not None and code >= upper:
        return f"{upper}+"
    last = code + width - 1
    if upper is not None:
        last = min(last, upper - 1)
    return f"{code}-{last}" if last != code else str(code)


def band(column: Column, width: int, lower: int | None, upper: int | None) -> Column:
    """Band a numeric column into string labels, computing each label once per distinct band."""

    def labels(codes: pa.Array) -> pa.Array:
        out = [band_label(code, width, lower, upper) for code in codes.to_pylist()]
        return pa.array(out, type=pa.string())

    return map_unique(band_codes(column, width, lower, upper), labels)


def null_below(values: Column, low: float) -> Column:
    """Null out values below ``low`` (e.g. negative ages)."""
    return pc.if_else(pc.greater_equal(values, low), values, pa.scalar(None, type=pa.float64()))
