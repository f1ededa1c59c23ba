"""A CSV header is checked from its first block before Arrow reads the file.

A header of a billion columns is hundreds of MB without a line break: it is refused after
reading 1 MiB, never held whole. A header that fits is counted, so that too many columns are
refused as such (Arrow would otherwise read the first rows first and complain about them).
"""

import csv
import io
from pathlib import Path

from app.errors import InvalidFile

HEADER_PEEK = 1024 * 1024


def check_header(source: Path, encoding: str, max_columns: int) -> None:
    """Refuse a header line longer than ``HEADER_PEEK`` bytes or naming more than
    ``max_columns`` columns (line 1)."""
    with source.open("rb") as handle:
        head = handle.read(HEADER_PEEK + 1)
    end = head.find(b"\n", 0, HEADER_PEEK)
    if end < 0 and len(head) > HEADER_PEEK:
        raise InvalidFile(
            f"the header line is longer than {HEADER_PEEK // 1024} KiB (no line break in "
            "the first block): far more columns than allowed, or not CSV",
            line=1,
        )
    line = head[: end if end >= 0 else len(head)].decode(encoding, errors="replace")
    try:
        names = next(csv.reader(io.StringIO(line.lstrip("\ufeff"), newline="")), [])
    except csv.Error as exc:  # e.g. a name longer than the csv module's field limit
        raise InvalidFile(f"the header line cannot be read as CSV: {exc}", line=1) from exc
    if len(names) > max_columns:
        raise InvalidFile(
            f"the file has {len(names)} columns; at most {max_columns} are allowed", line=1
        )
