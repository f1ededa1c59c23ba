"""Arrow string arrays built from Python strings without ``pa.array``.

``pa.array`` on a list first asks whether the list is pandas-like, which imports pandas:
about 0.2 CPU-seconds in every fresh span worker (:mod:`anonymizers.span_pool`) that
otherwise never needs it. Here the UTF-8 bytes and offsets are laid out directly, which is as
fast. A string that cannot be encoded (a lone surrogate) raises ``UnicodeEncodeError``, as
``pa.array`` does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_INT32_MAX = 2**31 - 1


def string_array(texts: Sequence[str | None], large: bool = False) -> pa.Array:
    """``texts`` (None: null) as a ``string`` array, or ``large_string`` with ``large`` (a
    ``string`` array too big for 32-bit offsets is an error, as with ``pa.array``)."""
    count = len(texts)
    nulls = 0
    if None in texts:
        nulls = sum(text is None for text in texts)
        encoded = [b"" if text is None else text.encode("utf-8") for text in texts]
    else:
        encoded = list(map(str.encode, texts))  # type: ignore[arg-type]  # no None here
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=count), out=offsets[1:])
    if not large and offsets[-1] > _INT32_MAX:
        raise pa.ArrowCapacityError("strings too large for a string array: use large=True")
    validity = None
    if nulls:
        present = np.fromiter((text is not None for text in texts), dtype=bool, count=count)
        validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    data = pa.py_buffer(b"".join(encoded))
    kind, width = (pa.large_string(), np.int64) if large else (pa.string(), np.int32)
    buffers = [validity, pa.py_buffer(offsets.astype(width, copy=False)), data]
    return pa.Array.from_buffers(kind, count, buffers, null_count=nulls)
