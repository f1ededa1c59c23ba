"""A segmented AES-256-GCM container for large files (quarantine Parquet parts).

Layout: ``header`` then segments. The header holds the format, the segment size, a random
file id, and the file's data key (DEK) wrapped under a KEK named by its key id. Each segment
is ``plaintext[i*S:(i+1)*S]`` sealed with the DEK, nonce = segment index, and associated data
= file id + index + a last-segment flag, so altering, reordering or truncating segments fails
authentication. Re-wrapping the DEK rewrites only the header; the segments stay as they are.
"""

import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

from app.crypto.errors import DataTampered
from app.crypto.keyring import NONCE_BYTES, Keyring

MAGIC = b"PZE1"
VERSION = 1
TAG_BYTES = 16
SEGMENT_BYTES = 256 * 1024
FILE_ID_BYTES = 16
_FIXED = struct.Struct(">4sHBI16sB")  # magic, header length, version, segment, file id, id len
_DEK_LABEL = b"pazhou/file-key/1/"


@dataclass(frozen=True)
class Header:
    segment_bytes: int
    file_id: bytes
    key_id: str
    wrapped_dek: bytes

    def encode(self) -> bytes:
        kid = self.key_id.encode("ascii")
        length = _FIXED.size + len(kid) + len(self.wrapped_dek)
        fixed = _FIXED.pack(MAGIC, length, VERSION, self.segment_bytes, self.file_id, len(kid))
        return fixed + kid + self.wrapped_dek

    def dek(self, ring: Keyring, name: str) -> bytes:
        return ring.unwrap(self.key_id, self.wrapped_dek, _DEK_LABEL + self.file_id, name)

    def rewrapped(self, ring: Keyring, name: str) -> "Header":
        """The same DEK, wrapped under the ring's active key."""
        key_id, wrapped = ring.wrap(self.dek(ring, name), _DEK_LABEL + self.file_id)
        return replace(self, key_id=key_id, wrapped_dek=wrapped)


def new_header(ring: Keyring, dek: bytes, file_id: bytes) -> Header:
    key_id, wrapped = ring.wrap(dek, _DEK_LABEL + file_id)
    return Header(SEGMENT_BYTES, file_id, key_id, wrapped)


def is_sealed(handle: BinaryIO) -> bool:
    start = handle.tell()
    magic = handle.read(len(MAGIC))
    handle.seek(start)
    return magic == MAGIC


def read_header(handle: BinaryIO, name: str) -> tuple[Header, int]:
    """The header at the start of ``handle`` and its length in bytes."""
    fixed = handle.read(_FIXED.size)
    if len(fixed) < _FIXED.size or fixed[:4] != MAGIC:
        raise DataTampered(f"{name} is not an encrypted Pazhou file (its header is missing)")
    _, length, version, segment, file_id, kid_len = _FIXED.unpack(fixed)
    rest = handle.read(length - _FIXED.size)
    wrapped_len = length - _FIXED.size - kid_len
    if (
        version != VERSION
        or wrapped_len != NONCE_BYTES + 32 + TAG_BYTES
        or len(rest) != length - _FIXED.size
    ):
        raise DataTampered(f"{name} has a damaged encryption header")
    try:
        key_id = rest[:kid_len].decode("ascii")
    except UnicodeDecodeError as exc:
        raise DataTampered(f"{name} has a damaged encryption header") from exc
    return Header(segment, file_id, key_id, rest[kid_len:]), length


def segment_nonce(index: int) -> bytes:
    return index.to_bytes(NONCE_BYTES, "big")


def segment_aad(file_id: bytes, index: int, last: bool) -> bytes:
    return MAGIC + file_id + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")
