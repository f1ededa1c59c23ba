"""Arrow helpers shared by the operators: type normalisation and per-unique-value mapping."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.operators.base import Column, OperatorError

_EXACT_FLOAT = 2.0**53


def plain(column: Column) -> Column:
    """Decode a dictionary-encoded column to its value type; return anything else unchanged."""
    if pa.types.is_dictionary(column.type):
        return pc.cast(column, column.type.value_type)
    return column


def is_text(data_type: pa.DataType) -> bool:
    """True for the UTF-8 string types the compute kernels accept directly."""
    return bool(pa.types.is_string(data_type) or pa.types.is_large_string(data_type))


def _castable_to_text(data_type: pa.DataType) -> bool:
    """True for scalar types with a canonical string form (numbers, booleans, dates, ...)."""
    t = pa.types
    return bool(
        t.is_null(data_type)
        or t.is_boolean(data_type)
        or t.is_integer(data_type)
        or t.is_floating(data_type)
        or t.is_decimal(data_type)
        or t.is_temporal(data_type)
        or t.is_string_view(data_type)
    )


def to_text(column: Column, operator: str) -> Column:
    """Return ``column`` as UTF-8 strings, stringifying scalars canonically.

    Integers become plain digits, floats their shortest round-trip form (``3.0`` -> ``"3"``),
    dates ISO ``YYYY-MM-DD``. Binary data must be valid UTF-8. Nested types are refused.
    """
    column = plain(column)
    data_type = column.type
    if is_text(data_type):
        return column
    if pa.types.is_floating(data_type):
        return _floats_to_text(column)
    if _castable_to_text(data_type):
        return pc.cast(column, pa.string())
    if pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type):
        try:
            return pc.cast(column, pa.string())
        except pa.ArrowInvalid as exc:
            raise OperatorError(
                f"operator '{operator}': binary column is not valid UTF-8", operator=operator
            ) from exc
    raise OperatorError(
        f"operator '{operator}': cannot apply to a column of type {data_type}", operator=operator
    )


def _floats_to_text(column: Column) -> Column:
    """Whole floats as plain digits (``13812345678.0`` -> ``"13812345678"``), others as Arrow
    prints them (shortest round-trip form)."""
    whole = pc.and_(pc.equal(pc.floor(column), column), pc.less(pc.abs(column), _EXACT_FLOAT))
    as_int = pc.cast(pc.if_else(whole, column, 0.0), pa.int64(), safe=False)
    return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))


def map_unique(column: Column, fn: Callable[[pa.Array], pa.Array]) -> Column:
    """Apply ``fn`` once per distinct non-null value of ``column`` and spread the results back.

    ``fn`` receives the distinct values (an array without nulls) and must return an array of the
    same length; nulls in ``column`` stay null. The cost of ``fn`` is bounded by the number of
    distinct values, not rows. Chunked input gives chunked output.
    """
    column = plain(column)
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.Array):
        mapped = _checked(fn, encoded.dictionary)
        return pc.take(mapped, encoded.indices)
    if encoded.num_chunks == 0:
        mapped = _checked(fn, pa.array([], type=column.type))
        return pa.chunked_array([], type=mapped.type)
    if len({len(chunk.dictionary) for chunk in encoded.chunks}) > 1:
        encoded = encoded.unify_dictionaries()
    mapped = _checked(fn, encoded.chunks[-1].dictionary)
    taken = [pc.take(mapped, chunk.indices) for chunk in encoded.chunks]
    return pa.chunked_array(taken, type=mapped.type)


def _checked(fn: Callable[[pa.Array], pa.Array], values: pa.Array) -> pa.Array:
    """Call ``fn`` on ``values`` and check it kept one output per input."""
    mapped = fn(values)
    if len(mapped) != len(values):
        raise ValueError("per-unique mapping must return one value per distinct input")
    return mapped


def null_column(column: Column, data_type: pa.DataType) -> Column:
    """An all-null column of ``data_type`` shaped like ``column`` (array or chunked)."""
    if isinstance(column, pa.ChunkedArray):
        chunks = [pa.nulls(len(chunk), type=data_type) for chunk in column.chunks]
        return pa.chunked_array(chunks, type=data_type)
    return pa.nulls(len(column), type=data_type)
