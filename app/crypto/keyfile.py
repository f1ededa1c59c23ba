"""The data key file: JSON ``{"format", "active", "keys": {id: base64}}``, owner-only.

Written whole and atomically (temporary file, fsync, rename, fsync of the folder), so a crash
leaves the old file or the new one, never half of one.
"""

import json
import os
import threading
from pathlib import Path
from typing import Any

from app.crypto.errors import DataKeyUnavailable
from app.crypto.keyring import Keyring, decode_key, encode_key, new_key, new_key_id

FORMAT = "pazhou-data-keys/1"


def read_key_file(path: Path) -> Keyring:
    """The keyring in ``path``; refused when missing, readable by others, or malformed."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataKeyUnavailable(f"the data key file {path} does not exist") from exc
    except OSError as exc:
        raise DataKeyUnavailable(
            f"the data key file {path} cannot be read: {exc.strerror}"
        ) from exc
    if mode & 0o077:
        raise DataKeyUnavailable(f"the data key file {path} is readable by others: chmod 600 it")
    origin = f"the data key file {path}"
    try:
        document = json.loads(text)
        active, entries = document["active"], document["keys"]
        keys = {key_id: decode_key(key_id, value, origin) for key_id, value in entries.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataKeyUnavailable(f"{origin} is not a valid key file ({FORMAT})") from exc
    if active not in keys:
        raise DataKeyUnavailable(f"{origin} names active key '{active}', which it does not hold")
    return Keyring(active, keys, origin)


def write_key_file(path: Path, ring: Keyring) -> None:
    document: dict[str, Any] = {
        "format": FORMAT,
        "active": ring.active_id,
        "keys": {key_id: encode_key(key) for key_id, key in ring.keys.items()},
    }
    atomic_write(path, json.dumps(document, indent=2).encode() + b"\n", replace=True)


def create_key_file(path: Path) -> bool:
    """A file with one new key, unless one exists (True when this call made it)."""
    key_id = new_key_id()
    document = {"format": FORMAT, "active": key_id, "keys": {key_id: encode_key(new_key())}}
    return atomic_write(path, json.dumps(document, indent=2).encode() + b"\n", replace=False)


def with_new_active_key(ring: Keyring) -> Keyring:
    key_id = new_key_id()
    return Keyring(key_id, {key_id: new_key(), **ring.keys}, ring.origin)


def without_key(ring: Keyring, key_id: str) -> Keyring:
    return Keyring(ring.active_id, {k: v for k, v in ring.keys.items() if k != key_id}, ring.origin)


def atomic_write(path: Path, content: bytes, replace: bool) -> bool:
    """Write ``content`` (mode 600) under a temporary name, fsync, then rename it over
    ``path`` (``replace``) or link it there only if nothing is there yet (False if so)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if another process got there first
            except FileExistsError:
                return False
        sync_folder(path.parent)
        return True
    finally:
        temporary.unlink(missing_ok=True)


def sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
