"""A Parquet footer is sized up before Arrow parses it.

Parsing a footer costs about 15 times its size in memory: 100,000 columns take 18 MiB of
footer and 265 MB to open, and a 2 GiB body could describe millions. So the footer's length
is read from the file's last 8 bytes, and the number of schema elements from the head of
the footer itself (Thrift compact protocol: field 1, the format version, then field 2, the
schema list, whose header holds its length), before anything else is parsed.
"""

from pathlib import Path

from app.errors import PayloadTooLarge

MAX_FOOTER_BYTES = 32 * 1024**2
ELEMENTS_PER_COLUMN = 10  # nested columns hold several schema elements each
_VERSION_FIELD, _SCHEMA_FIELD, _STRUCT = 0x15, 0x19, 0x0C


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    return -1, pos


def schema_elements(head: bytes) -> int | None:
    """The schema list's length from a footer's first bytes (None: not the usual layout)."""
    if len(head) < 4 or head[0] != _VERSION_FIELD:
        return None
    _, pos = _varint(head, 1)
    if pos + 1 >= len(head) or head[pos] != _SCHEMA_FIELD or head[pos + 1] & 0x0F != _STRUCT:
        return None
    size = head[pos + 1] >> 4
    if size == 15:
        size, _ = _varint(head, pos + 2)
    return size if size >= 0 else None


def check_footer_size(source: Path, max_columns: int) -> None:
    """``413`` for a footer longer than ``MAX_FOOTER_BYTES`` or describing more than
    ``ELEMENTS_PER_COLUMN × max_columns`` schema elements. Files too short to hold a
    footer are left to the reader, which refuses them."""
    size = source.stat().st_size
    if size < 12:
        return
    with source.open("rb") as handle:
        handle.seek(size - 8)
        length = int.from_bytes(handle.read(4), "little")
        if length > size - 12:
            return  # not a footer at all: the reader says so
        if length > MAX_FOOTER_BYTES:
            raise PayloadTooLarge(
                f"the Parquet footer takes {length} bytes; at most {MAX_FOOTER_BYTES}"
            )
        handle.seek(size - 8 - length)
        elements = schema_elements(handle.read(min(length, 16)))
    limit = ELEMENTS_PER_COLUMN * max_columns + 1
    if elements is not None and elements > limit:
        raise PayloadTooLarge(
            f"the Parquet schema has {elements - 1} fields; at most {max_columns} columns "
            f"({limit - 1} fields, nested ones included) are allowed"
        )
