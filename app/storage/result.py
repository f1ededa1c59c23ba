"""What a conversion produced, and a cheap check for binary bodies."""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Converted:
    rows: int
    schema: pa.Schema


_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


def looks_binary(source: Path) -> bool:
    """In the first 64 KiB, more than 1% control bytes other than tab and line breaks
    (binary data, UTF-16), or a NUL together with other such control bytes (compressed
    data, images): no CSV or JSON text looks like that. A stray NUL inside a text cell is
    not binary data; the converters refuse it naming its line and column."""
    with source.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    nuls = head.count(b"\x00")
    return controls * 100 > len(head) or 0 < nuls < controls
