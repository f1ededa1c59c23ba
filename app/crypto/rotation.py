"""Re-wrap everything sealed in a data directory under the active data key.

Quarantine parts get a new header (same DEK, same segments) or, with ``reencrypt``, fresh
contents under a fresh DEK; a plain part left from before encryption is sealed. Secrets are
re-sealed. Each file is written whole under a temporary name, fsynced and renamed over the
old one, so a crash leaves every file readable (under the old key or the new); running again
finishes the job (files already under the active key are skipped).
"""

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.crypto.keyfile import sync_folder
from app.crypto.keyring import Keyring
from app.crypto.sealed_file import SealedReader, SealedWriter, header_of
from app.crypto.sealed_secret import read_sealed, rewrap_secret
from app.crypto.stream import MAGIC

COPY_BYTES = 1024 * 1024
QUARANTINE, SECRETS = "quarantine", "secrets"


def parts(data_dir: Path) -> Iterator[Path]:
    """Complete quarantine parts (not ``.partial`` uploads, not temporary files)."""
    for path in sorted((data_dir / QUARANTINE).rglob("*.parquet")):
        if not path.name.startswith("."):
            yield path


def secret_files(data_dir: Path) -> Iterator[Path]:
    for path in sorted((data_dir / SECRETS).glob("*.json")):
        if not path.name.startswith("."):
            yield path


def _sealed(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def usage(data_dir: Path) -> Counter[str]:
    """How many files each key id wraps; ``(plain)`` counts unencrypted quarantine parts."""
    found: Counter[str] = Counter()
    for path in parts(data_dir):
        name = str(path.relative_to(data_dir))
        found[header_of(path, name)[0].key_id if _sealed(path) else "(plain)"] += 1
    for path in secret_files(data_dir):
        found[read_sealed(path, str(path.relative_to(data_dir))).key_id] += 1
    return found


def rewrap_all(data_dir: Path, ring: Keyring, reencrypt: bool = False) -> Counter[str]:
    """Bring every part and secret under the active key; counts of what was done."""
    done: Counter[str] = Counter()
    for folder in (data_dir / QUARANTINE, data_dir / SECRETS):
        for stale in folder.rglob(".*.rotate"):
            stale.unlink(missing_ok=True)  # left by a crash; the original is intact
    for path in parts(data_dir):
        done[_rotate_part(path, ring, reencrypt, str(path.relative_to(data_dir)))] += 1
    for path in secret_files(data_dir):
        changed = rewrap_secret(path, ring, str(path.relative_to(data_dir)))
        done["secrets rewrapped" if changed else "secrets current"] += 1
    return done


def _rotate_part(path: Path, ring: Keyring, reencrypt: bool, name: str) -> str:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.rotate")
    try:
        if not _sealed(path):
            _copy_into_sealed(path.open("rb"), temporary, ring)
            outcome = "parts sealed"
        elif reencrypt:
            _copy_into_sealed(SealedReader(path, ring, name), temporary, ring)
            outcome = "parts re-encrypted"
        else:
            header, start = header_of(path, name)
            if header.key_id == ring.active_id:
                return "parts current"
            _copy_with_header(path, start, header.rewrapped(ring, name).encode(), temporary)
            outcome = "parts rewrapped"
        _fsync(temporary)
        os.replace(temporary, path)
        sync_folder(path.parent)
        return outcome
    finally:
        temporary.unlink(missing_ok=True)


def _copy_into_sealed(source: BinaryIO | SealedReader, temporary: Path, ring: Keyring) -> None:
    with source as reader, SealedWriter(temporary, ring) as writer:
        shutil.copyfileobj(reader, writer, COPY_BYTES)


def _copy_with_header(path: Path, start: int, header: bytes, temporary: Path) -> None:
    with path.open("rb") as source, temporary.open("wb") as out:
        source.seek(start)
        out.write(header)
        shutil.copyfileobj(source, out, COPY_BYTES)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
