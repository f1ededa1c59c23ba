"""JSON Lines whose first block holds more distinct keys than any table has are refused before
Arrow infers a schema from it.

Arrow builds one field per distinct key it meets in the first block (8 MiB): a 2 MiB line of
200,000 keys costs it seconds and 600 MB, eight MiB would cost gigabytes. When the block
holds more colons than ``NESTED_FACTOR × max_columns``, its distinct keys are counted,
vectorised: every quoted string followed by a colon is a key (an escaped quote can only add
strings, so the count never falls short); past that bound it is ``422``. Files with fewer
columns than that limit are then checked by the usual column rules.
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.errors import InvalidFile

NESTED_FACTOR = 10
_QUOTE, _COLON, _SPACE = ord('"'), ord(":"), ord(" ")


def distinct_keys(head: bytes) -> int:
    """How many distinct quoted strings followed by ``:`` (or `` :``) ``head`` holds."""
    data = np.frombuffer(head, dtype=np.uint8)
    quotes = np.flatnonzero(data == _QUOTE)
    if len(quotes) < 2:
        return 0
    padded = np.concatenate((data, np.zeros(2, dtype=np.uint8)))
    after = quotes[1:] + 1
    spaced = (padded[after] == _SPACE) & (padded[after + 1] == _COLON)
    keys = np.flatnonzero((padded[after] == _COLON) | spaced)
    offsets = (quotes + 1).astype(np.int64)  # string i: its text and closing quote
    strings = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(quotes) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(head)]
    )
    chosen = pa.Array.from_buffers(pa.int64(), len(keys), [None, pa.py_buffer(keys)])
    count: int = pc.count_distinct(strings.take(chosen)).as_py()
    return count


def check_keys(source: Path, max_columns: int, block: int) -> None:
    """Refuse a first ``block`` naming more than ``NESTED_FACTOR × max_columns`` keys."""
    with source.open("rb") as handle:
        head = handle.read(block)
    limit = NESTED_FACTOR * max_columns
    if head.count(b":") <= limit:
        return  # fewer key-value pairs than that in all
    found = distinct_keys(head)
    if found > limit:
        raise InvalidFile(
            f"the first {block // 1024**2} MiB name {found} distinct keys; a table of at most "
            f"{max_columns} columns needs far fewer (at most {limit} keys, nested ones included)"
        )
