"""Keyed hashing (HMAC-SHA256 with the per-dataset secret) over distinct values."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.operators._arrow import to_text

_BLOCK = 64  # SHA-256 block size in bytes
_HEX_PAIRS = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")

DATE_SHIFT_DOMAIN = b"pazhou/date_shift/v1\x00"
"""Prefix that separates date-shift offsets from pseudonyms made with the same secret.

Without it, a published pseudonym of a person id would reveal that person's date offset.
"""


def hmac_digests(secret: bytes, messages: Iterable[bytes]) -> list[bytes]:
    """HMAC-SHA256 (RFC 2104) of each message under ``secret``.

    The padded-key states are hashed once and copied per message, which is about twice as fast
    as ``hmac.new`` per message; ``hmac.digest`` gives the same bytes.
    """
    key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    out = []
    for message in messages:
        step = inner.copy()
        step.update(message)
        mac = outer.copy()
        mac.update(step.digest())
        out.append(mac.digest())
    return out


def hex_array(digests: list[bytes], length: int) -> pa.Array:
    """The first ``length`` hex characters of each digest, as a string array (vectorised)."""
    width = (length + 1) // 2
    if not digests:
        return pa.array([], type=pa.string())
    size = len(digests[0])
    whole = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), size)
    pairs = _HEX_PAIRS[whole[:, :width]].tobytes()
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(2 * width), len(digests), [None, pa.py_buffer(pairs)]
    )
    text = pc.cast(pc.cast(fixed, pa.binary()), pa.string())
    return text if length == 2 * width else pc.utf8_slice_codeunits(text, 0, length)


def canonical_bytes(values: pa.Array, operator: str) -> list[bytes]:
    """Canonical byte form of each value: raw bytes for binary, UTF-8 of the text form otherwise.

    Numbers are stringified canonically first (``13812345678`` and ``"13812345678"`` hash the
    same), so a key stored as a number in one table joins with the same key stored as text.
    """
    if not (pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type)):
        values = pc.cast(to_text(values, operator), pa.large_binary())  # UTF-8 bytes as is
    return [value if value is not None else b"" for value in values.to_pylist()]


def pseudonyms(texts: Iterable[bytes], secret: bytes, length: int, prefix: str = "") -> list[str]:
    """``prefix`` + the first ``length`` hex characters of HMAC-SHA256(secret, text)."""
    return [prefix + digest.hex()[:length] for digest in hmac_digests(secret, texts)]


def pseudonym_array(values: pa.Array, secret: bytes, length: int, prefix: str = "") -> pa.Array:
    """Pseudonyms of an array of distinct values, as a string array of the same length."""
    digests = hmac_digests(secret, canonical_bytes(values, "pseudonymize"))
    hexes = hex_array(digests, length)
    if not prefix:
        return hexes
    return pc.binary_join_element_wise(pa.scalar(prefix), hexes, pa.scalar(""))


def day_offsets(values: pa.Array, secret: bytes, max_days: int) -> pa.Array:
    """A keyed day offset in ``[-max_days, -1] ∪ [1, max_days]`` for each value.

    Zero is excluded so that no person's dates are ever published unshifted.
    """
    messages = (DATE_SHIFT_DOMAIN + m for m in canonical_bytes(values, "date_shift"))
    offsets = [_to_offset(d, max_days) for d in hmac_digests(secret, messages)]
    return pa.array(offsets, type=pa.int64())


def dataset_day_offset(secret: bytes, max_days: int) -> int:
    """The single offset used when no per-person key is given (HMAC of a constant)."""
    (digest,) = hmac_digests(secret, [DATE_SHIFT_DOMAIN + b"<dataset>"])
    return _to_offset(digest, max_days)


def _to_offset(digest: bytes, max_days: int) -> int:
    """Map a digest uniformly (to within 2^-64) onto the non-zero offsets in the range."""
    slot = int.from_bytes(digest[:8], "big") % (2 * max_days)
    return slot - max_days if slot < max_days else slot - max_days + 1
