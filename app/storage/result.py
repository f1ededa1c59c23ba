"""What a conversion produced, and a cheap check for binary bodies."""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Converted:
    rows: int
    schema: pa.Schema


def looks_binary(source: Path) -> bool:
    """A NUL byte in the first 64 KiB: no CSV or JSON text has one."""
    with source.open("rb") as handle:
        return b"\x00" in handle.read(SNIFF_BYTES)
