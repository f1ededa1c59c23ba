"""Small secrets sealed under a KEK, one JSON file each:
``{"format", "context", "key_id", "sealed": base64(nonce + ciphertext + tag)}``.

``context`` (the associated data) names what the secret is for, so a file copied to another
name or edited fails to open. Created once with an exclusive link (two processes agree on one
secret); re-wrapped by writing a new file and renaming it over the old one.
"""

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from app.crypto.errors import DataTampered
from app.crypto.keyfile import atomic_write
from app.crypto.keyring import Keyring

FORMAT = "pazhou-sealed-secret/1"


@dataclass(frozen=True)
class SealedSecret:
    context: str
    key_id: str
    sealed: bytes

    def open(self, ring: Keyring, name: str) -> bytes:
        return ring.unwrap(self.key_id, self.sealed, self.context.encode("utf-8"), name)


def _document(ring: Keyring, secret: bytes, context: str) -> bytes:
    key_id, sealed = ring.wrap(secret, context.encode("utf-8"))
    document = {
        "format": FORMAT,
        "context": context,
        "key_id": key_id,
        "sealed": base64.b64encode(sealed).decode(),
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8") + b"\n"


def read_sealed(path: Path, name: str) -> SealedSecret:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["format"] != FORMAT:
            raise ValueError(document["format"])
        sealed = base64.b64decode(document["sealed"], validate=True)
        return SealedSecret(str(document["context"]), str(document["key_id"]), sealed)
    except (ValueError, KeyError, TypeError) as exc:
        raise DataTampered(f"{name} is not a sealed secret ({FORMAT})") from exc


def open_secret(path: Path, ring: Keyring, context: str, name: str) -> bytes:
    found = read_sealed(path, name)
    if found.context != context:
        raise DataTampered(f"{name} belongs to '{found.context}', not '{context}'")
    return found.open(ring, name)


def create_secret(path: Path, ring: Keyring, secret: bytes, context: str) -> bool:
    """Store ``secret`` unless a file is already there (False: use the one that is)."""
    return atomic_write(path, _document(ring, secret, context), replace=False)


def rewrap_secret(path: Path, ring: Keyring, name: str) -> bool:
    """Seal the same secret under the active key (False if it already is)."""
    found = read_sealed(path, name)
    if found.key_id == ring.active_id:
        return False
    atomic_write(path, _document(ring, found.open(ring, name), found.context), replace=True)
    return True
