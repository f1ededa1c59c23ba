"""File objects over the segmented container: a writer that seals as it goes (memory: one
segment), and a seekable reader that opens segments on demand (pyarrow can read Parquet
through it: footer first, then the column chunks it needs)."""

import io
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DataTampered
from app.crypto.keyring import Keyring
from app.crypto.stream import (
    FILE_ID_BYTES,
    TAG_BYTES,
    Header,
    new_header,
    read_header,
    segment_aad,
    segment_nonce,
)

CACHED_SEGMENTS = 4


class SealedWriter(io.RawIOBase):
    """Seals everything written to it into ``path`` under a fresh DEK; ``close`` writes the
    last segment (a file without one reads as truncated)."""

    def __init__(self, path: Path, ring: Keyring) -> None:
        super().__init__()
        dek = AESGCM.generate_key(bit_length=256)
        self._header = new_header(ring, dek, os.urandom(FILE_ID_BYTES))
        self._aead, self._file = AESGCM(dek), path.open("wb")
        self._file.write(self._header.encode())
        self._buffer, self._index, self._written = bytearray(), 0, 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buffer += view
        self._written += len(view)
        size = self._header.segment_bytes
        if len(self._buffer) > size:
            full = (len(self._buffer) - 1) // size * size  # always keep bytes for the last one
            for start in range(0, full, size):
                self._seal(bytes(self._buffer[start : start + size]), last=False)
            del self._buffer[:full]
        return len(view)

    def tell(self) -> int:
        return self._written

    def _seal(self, plain: bytes, last: bool) -> None:
        aad = segment_aad(self._header.file_id, self._index, last)
        self._file.write(self._aead.encrypt(segment_nonce(self._index), plain, aad))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer = bytearray()
            self._file.close()
        super().close()


class SealedReader(io.RawIOBase):
    """Plaintext view of a sealed file; a segment that fails authentication raises
    ``DataTampered`` naming ``name``."""

    def __init__(self, path: Path, ring: Keyring, name: str) -> None:
        super().__init__()
        self._file, self.name_shown = path.open("rb"), name
        try:
            self.header, start = read_header(self._file, name)
            self._aead = AESGCM(self.header.dek(ring, name))
            self._layout(start, os.fstat(self._file.fileno()).st_size)
        except BaseException:
            self._file.close()
            raise
        self._position = 0
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._open_segment(self._segments - 1)  # a truncated file fails here, at open

    def _layout(self, start: int, file_size: int) -> None:
        sealed_size = self.header.segment_bytes + TAG_BYTES
        body = file_size - start
        if body < TAG_BYTES:
            raise DataTampered(f"{self.name_shown} is truncated")
        self._start, self._sealed_size = start, sealed_size
        self._segments = (body + sealed_size - 1) // sealed_size
        self.size = body - self._segments * TAG_BYTES

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        done = 0
        while done < len(target) and self._position < self.size:
            index, offset = divmod(self._position, self.header.segment_bytes)
            plain = self._open_segment(index)
            piece = plain[offset : offset + len(target) - done]
            target[done : done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return done

    def _open_segment(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        self._file.seek(self._start + index * self._sealed_size)
        sealed = self._file.read(self._sealed_size)
        last = index == self._segments - 1
        try:
            plain = self._aead.decrypt(
                segment_nonce(index), sealed, segment_aad(self.header.file_id, index, last)
            )
        except InvalidTag as exc:
            raise DataTampered(
                f"{self.name_shown} failed its integrity check at segment {index}: "
                "the file was altered or truncated"
            ) from exc
        self._cache[index] = plain
        if len(self._cache) > CACHED_SEGMENTS:
            self._cache.popitem(last=False)
        return plain

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cache.clear()
        super().close()


def header_of(path: Path, name: str) -> tuple[Header, int]:
    with path.open("rb") as handle:
        return read_header(handle, name)
