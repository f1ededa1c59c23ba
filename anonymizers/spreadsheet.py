"""Spreadsheet-safe text: neutralize cells a spreadsheet would read as a formula.

OWASP's advice against CSV injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a leading apostrophe, so spreadsheet programs show it as text.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
APOSTROPHE = "'"
_FORMULA_PATTERN = "^[=+\\-@\t\r]"


def neutralize_cell(value: object) -> object:
    """One cell for Python's ``csv`` writers: a string that starts like a formula gets a
    leading apostrophe; other strings and values of other types are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return APOSTROPHE + value
    return value


def _is_text(data_type: pa.DataType) -> bool:
    return bool(pa.types.is_string(data_type) or pa.types.is_large_string(data_type))


def neutralize_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix an apostrophe to every cell of a string column that starts like a formula;
    other cells and nulls stay as they are. Dictionary-encoded strings are handled on their
    dictionary (the result keeps the encoding)."""
    if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
        if isinstance(column, pa.ChunkedArray):
            chunks = [neutralize_text(chunk) for chunk in column.chunks]
            return pa.chunked_array(chunks, type=column.type)
        safe = neutralize_text(column.dictionary)
        return pa.DictionaryArray.from_arrays(column.indices, safe)
    risky = pc.fill_null(pc.match_substring_regex(column, _FORMULA_PATTERN), False)
    prefix, empty = pa.scalar(APOSTROPHE, column.type), pa.scalar("", column.type)
    quoted = pc.binary_join_element_wise(prefix, column, empty)
    return pc.if_else(risky, quoted, column)


def neutralize_formulas(table: pa.Table, *, include_names: bool = False) -> pa.Table:
    """Neutralize every string column of ``table`` (see ``neutralize_text``); columns of other
    types are returned untouched. With ``include_names`` the column names, which become the
    CSV header row, are neutralized too."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        text = _is_text(field.type) or (
            pa.types.is_dictionary(field.type) and _is_text(field.type.value_type)
        )
        columns.append(neutralize_text(column) if text else column)
    names = table.column_names
    if include_names:
        names = [APOSTROPHE + n if n.startswith(FORMULA_STARTS) else n for n in names]
    return pa.Table.from_arrays(columns, names=names, metadata=table.schema.metadata)
