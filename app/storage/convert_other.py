"""JSON Lines and Parquet → Parquet, streamed batch by batch."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from app.errors import InvalidFile
from app.storage.columns import check_batch_names, check_names, conform
from app.storage.result import Converted, looks_binary

BLOCK_SIZE = 8 * 1024 * 1024
_JSON_ROW = re.compile(r"in row (\d+)")
_JSON_COLUMN = re.compile(r"Column\(/([^)]*)\)")


def convert_jsonl(
    source: Path, dest: Path, expected: pa.Schema | None, max_columns: int
) -> Converted:
    """One JSON object per line; a broken line is named by its number."""
    if looks_binary(source):
        raise InvalidFile("the body is binary data, not JSON Lines text")
    try:
        reader = pajson.open_json(source, read_options=pajson.ReadOptions(block_size=BLOCK_SIZE))
    except pa.ArrowInvalid as exc:
        raise _json_error(exc, 0) from exc
    return _write(_json_batches(reader), reader.schema, dest, expected, max_columns)


def _json_batches(reader: Any) -> Iterator[pa.RecordBatch]:
    done = 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise _json_error(exc, done) from exc
        done += batch.num_rows
        yield batch


def _json_error(exc: Exception, rows_done: int) -> InvalidFile:
    message = str(exc)
    if "Empty JSON" in message:
        return InvalidFile("the file is empty")
    row = _JSON_ROW.search(message)
    column = _JSON_COLUMN.search(message)
    line = rows_done + int(row.group(1)) + 1 if row else None
    where = f"line {line}: " if line else ""
    return InvalidFile(
        f"{where}not valid JSON Lines: {message.removeprefix('JSON parse error: ')}",
        line=line,
        column=column.group(1) if column and column.group(1) else None,
    )


def convert_parquet(
    source: Path, dest: Path, expected: pa.Schema | None, max_columns: int
) -> Converted:
    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidFile(f"the body is not a Parquet file: {exc}") from exc
    schema = parquet.schema_arrow
    return _write(_parquet_batches(parquet), schema, dest, expected, max_columns)


def _parquet_batches(parquet: pq.ParquetFile) -> Iterator[pa.RecordBatch]:
    try:
        yield from parquet.iter_batches(batch_size=65_536)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidFile(f"the Parquet file is damaged: {exc}") from exc


def _write(
    batches: Iterator[pa.RecordBatch],
    schema: pa.Schema,
    dest: Path,
    expected: pa.Schema | None,
    max_columns: int,
) -> Converted:
    check_names(schema.names, max_columns)
    if expected is not None:
        check_batch_names(schema.names, expected)
    count = 0
    with pq.ParquetWriter(dest, expected or schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch if expected is None else conform(batch, expected))
            count += batch.num_rows
    if count == 0:
        raise InvalidFile("the file holds no rows")
    return Converted(rows=count, schema=expected or schema)
