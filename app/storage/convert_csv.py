"""CSV → Parquet, streamed block by block (memory stays bounded whatever the file size).

Types are inferred from the first block (1 MiB); when a later block holds a value that does
not fit (``12`` then ``12.5``, or ``7`` then ``n/a``), that column is widened (int → double →
string) and the file is read again. Parsing runs one block ahead of the Parquet writer, in
its own thread. A batch is read with its dataset's types and must fit them.
"""

import csv
import io
import re
from contextlib import closing
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from app.crypto.keyring import Keyring
from app.errors import InvalidFile, SchemaMismatch
from app.storage.columns import check_batch_names, check_names, conform
from app.storage.csv_header import HEADER_PEEK, check_header
from app.storage.read_ahead import read_ahead
from app.storage.result import Converted, looks_binary
from app.storage.sealed import parquet_sink
from app.storage.text_guard import Rows, checked_text

# 1 MiB blocks: Arrow's reader buffers ahead by blocks, so small blocks keep the server's
# memory low whatever the file size (bench/ingest.py measured 8 MiB blocks at +280 MB)
BLOCK_SIZE = 1024 * 1024
_CONVERSION = re.compile(r"In CSV column #(\d+): (?:Row #(\d+): )?CSV conversion error to (\S+?):")
_WIDER = {"int64": pa.float64(), "double": pa.string(), "null": pa.string()}


class _RowError:
    """Remembers the first malformed row so the error can name its line."""

    def __init__(self) -> None:
        self.line: int | None = None
        self.detail = ""

    def __call__(self, row: pacsv.InvalidRow) -> str:
        if self.line is None:
            self.line = row.number
            self.detail = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        return "error"


def _reader(
    source: Path, encoding: str, types: dict[str, pa.DataType], rows: _RowError
) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=BLOCK_SIZE, use_threads=False),
        parse_options=pacsv.ParseOptions(invalid_row_handler=rows),
        convert_options=pacsv.ConvertOptions(
            column_types=types, null_values=[""], strings_can_be_null=True
        ),
    )


def convert_csv(
    source: Path,
    encoding: str,
    dest: Path,
    expected: pa.Schema | None,
    max_columns: int,
    ring: Keyring | None = None,
) -> Converted:
    """Write ``source`` as Parquet at ``dest`` (sealed under ``ring`` if given); raise
    ``InvalidFile`` naming line or column."""
    if looks_binary(source):
        raise InvalidFile("the body is binary data, not CSV text")
    check_header(source, encoding, max_columns)
    types = {field.name: field.type for field in expected} if expected is not None else {}
    while True:
        try:
            return _convert_once(source, encoding, dest, types, expected, max_columns, ring)
        except _Widen as widen:
            types[widen.column] = widen.to


class _Widen(Exception):
    def __init__(self, column: str, to: pa.DataType) -> None:
        self.column, self.to = column, to


def _convert_once(
    source: Path,
    encoding: str,
    dest: Path,
    types: dict[str, pa.DataType],
    expected: pa.Schema | None,
    max_columns: int,
    ring: Keyring | None,
) -> Converted:
    rows = _RowError()
    reader = _open(source, encoding, types, rows, expected)
    names = reader.schema.names
    check_names(names, max_columns)
    if expected is not None:
        check_batch_names(names, expected)
    _refuse_binary_columns(reader.schema)
    count = 0
    schema = expected if expected is not None else reader.schema
    parsed = read_ahead(reader)
    batches = checked_text(parsed, Rows(line_offset=2, utf8_checked=True))  # header: line 1
    with (
        closing(parsed),
        parquet_sink(dest, ring) as sink,
        pq.ParquetWriter(sink, schema, compression="zstd") as writer,
    ):
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise _explain(exc, names, rows, count, types, expected) from exc
            writer.write_batch(batch if expected is None else conform(batch, expected))
            count += batch.num_rows
    if count == 0:
        raise InvalidFile("the file has a header but no data rows", line=2)
    return Converted(rows=count, schema=schema)


def _open(
    source: Path,
    encoding: str,
    types: dict[str, pa.DataType],
    rows: _RowError,
    expected: pa.Schema | None,
) -> pacsv.CSVStreamingReader:
    try:
        return _reader(source, encoding, types, rows)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "Empty CSV" in str(exc):
            raise InvalidFile("the file is empty") from exc
        raise _explain(exc, _header(source, encoding), rows, 0, types, expected) from exc


def _header(source: Path, encoding: str) -> list[str]:
    """The header's names, read directly, for errors raised before the reader has a schema."""
    with source.open("rb") as handle:
        head = handle.read(HEADER_PEEK).decode(encoding, errors="replace").lstrip("\ufeff")
    try:
        return next(csv.reader(io.StringIO(head, newline="")), [])
    except csv.Error:
        return []  # the error names no column then


def _refuse_binary_columns(schema: pa.Schema) -> None:
    for field in schema:
        if pa.types.is_binary(field.type):
            raise InvalidFile(
                f"column '{field.name}' is not valid text in the declared encoding "
                "(send charset=gb18030 for GB18030/GBK files)",
                column=field.name,
            )


def _explain(
    exc: Exception,
    names: list[str],
    rows: _RowError,
    rows_done: int,
    types: dict[str, pa.DataType],
    expected: pa.Schema | None,
) -> Exception:
    if isinstance(exc, UnicodeDecodeError):
        return InvalidFile(f"the body is not valid text in the declared encoding: {exc.reason}")
    if rows.line is not None:
        return InvalidFile(f"line {rows.line}: {rows.detail}", line=rows.line)
    if "straddling object" in str(exc):
        return InvalidFile(
            f"after data row {rows_done}: a row is longer than the {BLOCK_SIZE // 1024} KiB "
            "a CSV row may take (or a quote is never closed)"
        )
    match = _CONVERSION.search(str(exc))
    if not match or int(match.group(1)) >= len(names):
        return InvalidFile(f"CSV could not be read: {exc}")
    column, target = names[int(match.group(1))], match.group(3)
    line = int(match.group(2)) if match.group(2) else None
    if "invalid UTF8" in str(exc):
        return InvalidFile(f"column '{column}' is not valid UTF-8 text", column=column, line=line)
    if expected is not None:
        where = f"line {line}" if line else f"after data row {rows_done}"
        return SchemaMismatch(
            f"{where}: column '{column}' has a value that is not {target} "
            f"as the dataset requires ({exc})",
            column=column,
            line=line,
        )
    wider = _WIDER.get(target)
    if wider is None or types.get(column) == pa.string():
        return InvalidFile(f"column '{column}' could not be read: {exc}", column=column)
    return _Widen(column, wider)
