"""Decompression bombs in Parquet: refuse them from the footer, and bound what is decoded.

A Parquet file can hold gigabytes of values in kilobytes (compressed pages of zeros, one
run-length-encoded run of a billion rows, a dictionary of one long string repeated for every
row). Before any page is read, the footer's counts are checked: rows per row group, the
decoded size of each row group (fixed-width columns: rows × width; others: their pages'
uncompressed size) and of the whole file, which may be at most ``MAX_EXPANSION`` times the
body (or ``MIN_DECODED_ALLOWANCE``). Then batches are sized so one decoded batch stays near
``BATCH_TARGET_BYTES``, dictionary-encoded text is read as dictionaries and its dense size
is checked before it is expanded, and the bytes actually decoded are counted against the
same cap (a footer can lie). Past a cap: ``413 PayloadTooLarge`` naming the row group and
column; memory never holds more than a few batches.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from app.errors import PayloadTooLarge
from app.storage.columns import printable

MAX_ROW_GROUP_ROWS = 16 * 1024 * 1024
MAX_ROW_GROUP_BYTES = 2 * 1024**3
MAX_EXPANSION = 200
MIN_DECODED_ALLOWANCE = 256 * 1024**2
BATCH_TARGET_BYTES = 32 * 1024**2
MAX_BATCH_ROWS = 65_536
_MIB = 1024**2
_TEXT_KINDS = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary)
_DICTIONARY_ENCODINGS = ("RLE_DICTIONARY", "PLAIN_DICTIONARY")


@dataclass(frozen=True)
class DecodeBudget:
    """How many decoded bytes the whole file may produce, and how many rows per batch."""

    max_bytes: int
    batch_rows: int


def _width(data_type: pa.DataType) -> int:
    """Bytes one value takes once decoded (offsets only for variable-width types)."""
    if pa.types.is_dictionary(data_type):
        return _width(data_type.index_type)
    try:
        bits: int = data_type.bit_width
    except ValueError:
        return 8
    return max(1, bits // 8)


def _chunk_bytes(group: pq.RowGroupMetaData, index: int, rows: int, width: int) -> int:
    stored: int = group.column(index).total_uncompressed_size
    return max(stored, rows * width)


def _too_large(detail: str, column: str | None = None) -> PayloadTooLarge:
    return PayloadTooLarge(f"the Parquet file is a decompression bomb: {detail}", column=column)


def _check_group(
    number: int, group: pq.RowGroupMetaData, names: list[str], widths: list[int]
) -> int:
    """The decoded size of one row group, refused past the per-row-group caps."""
    rows = group.num_rows
    if rows > MAX_ROW_GROUP_ROWS:
        raise _too_large(f"row group {number} holds {rows} rows; at most {MAX_ROW_GROUP_ROWS}")
    sizes = [_chunk_bytes(group, i, rows, w) for i, w in enumerate(widths)]
    total = sum(sizes)
    if total > MAX_ROW_GROUP_BYTES:
        worst = max(range(len(sizes)), key=sizes.__getitem__)
        raise _too_large(
            f"row group {number} decodes to {total // _MIB} MiB (column '{names[worst]}': "
            f"{sizes[worst] // _MIB} MiB); at most {MAX_ROW_GROUP_BYTES // _MIB} MiB",
            names[worst],
        )
    return total


def check_footer(parquet: pq.ParquetFile, body_bytes: int) -> DecodeBudget:
    """Check the footer's sizes before any page is read; the budget for decoding."""
    meta, schema = parquet.metadata, parquet.schema_arrow
    if meta.num_columns != len(schema):
        widths = [8] * meta.num_columns  # nested columns: one leaf each, offsets-sized
    else:
        widths = [_width(field.type) for field in schema]
    names = [printable(meta.schema.column(i).path) for i in range(meta.num_columns)]
    cap = max(MIN_DECODED_ALLOWANCE, MAX_EXPANSION * body_bytes)
    total = sum(
        _check_group(i, meta.row_group(i), names, widths) for i in range(meta.num_row_groups)
    )
    if total > cap:
        raise _too_large(
            f"it would decode to {total // _MIB} MiB from {body_bytes} bytes; at most "
            f"{MAX_EXPANSION} times its size (or {MIN_DECODED_ALLOWANCE // _MIB} MiB)"
        )
    rows = max(1, meta.num_rows)
    row_bytes = max(1, total // rows)
    return DecodeBudget(cap, max(1, min(MAX_BATCH_ROWS, BATCH_TARGET_BYTES // row_bytes)))


def dictionary_text_columns(parquet: pq.ParquetFile) -> list[str]:
    """Top-level text columns stored dictionary-encoded somewhere: read as dictionaries and
    expanded after a size check. (Plain-encoded text is no bigger than its pages, which
    the footer check has bounded; reading it as a dictionary would only cost hashing.)"""
    meta, schema = parquet.metadata, parquet.schema_arrow
    if meta.num_columns != len(schema):
        return []  # nested columns: leaves do not line up with fields
    return [
        field.name
        for index, field in enumerate(schema)
        if any(kind(field.type) for kind in _TEXT_KINDS) and _dictionary_encoded(meta, index)
    ]


def _dictionary_encoded(meta: pq.FileMetaData, index: int) -> bool:
    return any(
        encoding in _DICTIONARY_ENCODINGS
        for group in range(meta.num_row_groups)
        for encoding in meta.row_group(group).column(index).encodings
    )


def _dense_bytes(array: pa.DictionaryArray) -> int:
    """Bytes of ``array`` once expanded (text: the values' lengths, plus offsets)."""
    values = array.dictionary
    if not any(kind(values.type) for kind in _TEXT_KINDS):
        return len(array) * _width(values.type)
    lengths = pc.binary_length(values)
    return int(pc.sum(lengths.take(array.indices)).as_py() or 0) + 8 * len(array)


def expanded(
    batches: Iterator[pa.RecordBatch], schema: pa.Schema, budget: DecodeBudget
) -> Iterator[pa.RecordBatch]:
    """``batches`` with dictionary-read text columns expanded to ``schema``'s types, each
    batch's decoded size checked first and counted against ``budget``."""
    used = 0
    for batch in batches:
        arrays = []
        for field, column in zip(schema, batch.columns, strict=True):
            if pa.types.is_dictionary(column.type):  # later readers expand it: count that
                used += _dense_bytes(column)
                _check_used(used, budget, field.name)
                if not pa.types.is_dictionary(field.type):
                    column = column.dictionary_decode().cast(field.type)
            else:
                used += column.nbytes
            arrays.append(column)
        _check_used(used, budget, None)
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _check_used(used: int, budget: DecodeBudget, column: str | None) -> None:
    if used > budget.max_bytes:
        where = f" (column '{printable(column)}')" if column else ""
        raise _too_large(
            f"its values decode to more than {budget.max_bytes // _MIB} MiB{where}", column
        )
