"""JSON Lines and Parquet → Parquet, streamed batch by batch."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from app.crypto.keyring import Keyring
from app.errors import InvalidFile
from app.storage.columns import check_batch_names, check_names, conform
from app.storage.json_depth import check_depth
from app.storage.json_keys import check_keys
from app.storage.parquet_footer import check_footer_size
from app.storage.parquet_guard import check_footer, dictionary_text_columns, expanded
from app.storage.result import Converted, looks_binary
from app.storage.sealed import parquet_sink
from app.storage.text_guard import Rows, checked_text

BLOCK_SIZE = 8 * 1024 * 1024
_JSON_ROW = re.compile(r"in row (\d+)")
_JSON_COLUMN = re.compile(r"Column\(/([^)]*)\)")


def convert_jsonl(
    source: Path,
    dest: Path,
    expected: pa.Schema | None,
    max_columns: int,
    ring: Keyring | None = None,
) -> Converted:
    """One JSON object per line; a broken line is named by its number."""
    if looks_binary(source):
        raise InvalidFile("the body is binary data, not JSON Lines text")
    check_depth(source, max_line=BLOCK_SIZE)
    check_keys(source, max_columns, BLOCK_SIZE)
    try:
        reader = pajson.open_json(source, read_options=pajson.ReadOptions(block_size=BLOCK_SIZE))
    except pa.ArrowInvalid as exc:
        raise _json_error(exc, 0) from exc
    batches = checked_text(_json_batches(reader), Rows(line_offset=1))
    return _write(batches, reader.schema, dest, expected, max_columns, ring)


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
    if "straddling object" in message:
        return InvalidFile(
            f"after line {rows_done}: a line is longer than {BLOCK_SIZE // 1024**2} MiB"
        )
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
    source: Path,
    dest: Path,
    expected: pa.Schema | None,
    max_columns: int,
    ring: Keyring | None = None,
) -> Converted:
    """Parquet → sealed Parquet; the footer is checked for decompression bombs first
    (``app.storage.parquet_guard``) and text columns are expanded only after a size check."""
    check_footer_size(source, max_columns)
    try:
        with pq.ParquetFile(source) as footer:
            schema = footer.schema_arrow
            check_names(schema.names, max_columns)
            budget = check_footer(footer, source.stat().st_size)
            dictionaries = dictionary_text_columns(footer)
        parquet = pq.ParquetFile(source, read_dictionary=dictionaries)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidFile(f"the body is not a Parquet file: {exc}") from exc
    decoded = expanded(_parquet_batches(parquet, budget.batch_rows), schema, budget)
    batches = checked_text(decoded, Rows(line_offset=None))
    return _write(batches, schema, dest, expected, max_columns, ring)


def _parquet_batches(parquet: pq.ParquetFile, rows: int) -> Iterator[pa.RecordBatch]:
    try:
        with parquet:
            yield from parquet.iter_batches(batch_size=rows)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidFile(f"the Parquet file is damaged: {exc}") from exc


def _write(
    batches: Iterator[pa.RecordBatch],
    schema: pa.Schema,
    dest: Path,
    expected: pa.Schema | None,
    max_columns: int,
    ring: Keyring | None,
) -> Converted:
    check_names(schema.names, max_columns)
    if expected is not None:
        check_batch_names(schema.names, expected)
    count = 0
    with (
        parquet_sink(dest, ring) as sink,
        pq.ParquetWriter(sink, expected or schema, compression="zstd") as writer,
    ):
        for batch in batches:
            writer.write_batch(batch if expected is None else conform(batch, expected))
            count += batch.num_rows
    if count == 0:
        raise InvalidFile("the file holds no rows")
    return Converted(rows=count, schema=expected or schema)
