"""Dispatch a body to its converter."""

from pathlib import Path

import pyarrow as pa

from app.crypto.keyring import Keyring
from app.storage.convert_csv import convert_csv
from app.storage.convert_other import convert_jsonl, convert_parquet
from app.storage.formats import SourceFormat
from app.storage.result import Converted


def to_parquet(
    source: Path,
    fmt: SourceFormat,
    dest: Path,
    expected: pa.Schema | None,
    max_columns: int,
    ring: Keyring | None = None,
) -> Converted:
    """Convert ``source`` to Parquet at ``dest``, sealed under ``ring`` if given; with
    ``expected``, it must fit that schema."""
    if fmt.kind == "csv":
        return convert_csv(source, fmt.encoding, dest, expected, max_columns, ring)
    if fmt.kind == "jsonl":
        return convert_jsonl(source, dest, expected, max_columns, ring)
    return convert_parquet(source, dest, expected, max_columns, ring)
