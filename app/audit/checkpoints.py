"""Signed checkpoints (tree heads): the note format, signing, and offline verification.

``note`` is ``"<origin>\\n<tree_size>\\n<root hash, base64>\\n<timestamp>\\n"``; ``signature`` is
the base64 Ed25519 signature of its UTF-8 bytes; ``key_id`` the hex SHA-256 of the raw key.
"""

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.signing import Signer, key_id

CHECKPOINT_FIELDS = ("origin", "tree_size", "root_hash", "timestamp", "key_id", "note", "signature")


class CheckpointError(ValueError):
    """A checkpoint whose note, key or signature does not hold."""


def note_text(origin: str, tree_size: int, root_hash_hex: str, timestamp: str) -> str:
    root = base64.b64encode(bytes.fromhex(root_hash_hex)).decode()
    return f"{origin}\n{tree_size}\n{root}\n{timestamp}\n"


def signed(
    signer: Signer, origin: str, tree_size: int, root: bytes, timestamp: str
) -> dict[str, Any]:
    note = note_text(origin, tree_size, root.hex(), timestamp)
    return {
        "origin": origin,
        "tree_size": tree_size,
        "root_hash": root.hex(),
        "timestamp": timestamp,
        "key_id": signer.key_id,
        "note": note,
        "signature": signer.sign(note.encode("utf-8")),
    }


def verify_checkpoint(checkpoint: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    """Raise ``CheckpointError`` unless the note restates the fields and the key signed it."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if checkpoint.get("key_id") != key_id(raw):
        raise CheckpointError("the checkpoint names another signing key")
    try:
        expected = note_text(
            str(checkpoint["origin"]),
            int(checkpoint["tree_size"]),
            str(checkpoint["root_hash"]),
            str(checkpoint["timestamp"]),
        )
        signature = base64.b64decode(str(checkpoint["signature"]), validate=True)
    except (KeyError, ValueError, binascii.Error) as exc:
        raise CheckpointError(f"the checkpoint is malformed: {exc}") from exc
    if checkpoint.get("note") != expected:
        raise CheckpointError("the note does not restate the checkpoint's fields")
    try:
        public_key.verify(signature, expected.encode("utf-8"))
    except InvalidSignature as exc:
        raise CheckpointError("the signature does not verify") from exc


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def as_dict(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CHECKPOINT_FIELDS}
