"""Text cells every format must get right: valid UTF-8 and no NUL characters.

Arrow checks UTF-8 for CSV but not inside JSON strings (``"\\u0000"`` and raw invalid bytes
pass) nor in Parquet byte arrays. A NUL would be cut off by C strings downstream and is
refused by PostgreSQL's JSON (where examples of the values are stored), and invalid UTF-8
breaks every later reader. Both are refused per batch, vectorised, naming the column and
the row (and its line, for the text formats).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.errors import InvalidFile
from app.storage.columns import printable

_TEXT = (pa.types.is_string, pa.types.is_large_string)


@dataclass(frozen=True)
class Rows:
    """How rows are named in errors: ``line_offset`` is the line of row 0 (None: no lines);
    ``utf8_checked``: the reader has validated UTF-8 already (Arrow's CSV reader does)."""

    line_offset: int | None
    utf8_checked: bool = False


def _where(rows: Rows, row: int) -> tuple[str, int | None]:
    if rows.line_offset is None:
        return f"row {row + 1}", None
    line = rows.line_offset + row
    return f"line {line}", line


def _nul_mask(column: pa.Array) -> pa.Array | None:
    """Which values hold a NUL, or None when none does: the value bytes are scanned at
    memory speed, and only a column holding a zero byte is searched value by value."""
    values = column.buffers()[2]
    if values is None or np.frombuffer(values, dtype=np.uint8).min(initial=1) != 0:
        return None
    hits = pc.fill_null(pc.match_substring(column, "\x00"), False)
    return hits if pc.any(hits).as_py() else None


def _first_nul(column: pa.Array) -> int | None:
    """The first row holding a NUL (dictionary-encoded text: through its dictionary)."""
    if pa.types.is_dictionary(column.type):
        bad = _nul_mask(column.dictionary)
        if bad is None:
            return None
        codes = pc.indices_nonzero(bad).cast(column.indices.type)
        hits = pc.fill_null(pc.is_in(column.indices, value_set=codes), False)
    else:
        hits = _nul_mask(column)
    if hits is None or not pc.any(hits).as_py():
        return None
    return int(pc.index(hits, True).as_py())


def _check_valid(name: str, column: pa.Array) -> None:
    """Full validation: UTF-8 of every string, nested ones included."""
    try:
        column.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise InvalidFile(
            f"column '{printable(name)}' holds text that is not valid UTF-8", column=name
        ) from exc


def _check_nul(name: str, column: pa.Array, rows: Rows, done: int) -> None:
    index = _first_nul(column)
    if index is not None:
        where, line = _where(rows, done + index)
        raise InvalidFile(
            f"{where}: column '{printable(name)}' holds a NUL character (\\u0000), "
            "which text cells may not contain",
            column=name,
            line=line,
        )


def _value_type(data_type: pa.DataType) -> pa.DataType:
    """A dictionary's value type; any other type itself."""
    return data_type.value_type if pa.types.is_dictionary(data_type) else data_type


def checked_text(batches: Iterator[pa.RecordBatch], rows: Rows) -> Iterator[pa.RecordBatch]:
    """``batches`` unchanged, each text column checked first."""
    done = 0
    for batch in batches:
        for field, column in zip(batch.schema, batch.columns, strict=True):
            if not rows.utf8_checked:
                _check_valid(field.name, column)
            if any(kind(_value_type(field.type)) for kind in _TEXT):
                _check_nul(field.name, column, rows, done)
        done += batch.num_rows
        yield batch
