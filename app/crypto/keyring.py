"""Key-encryption keys (KEKs): a set of 256-bit keys by id, one of them active.

New data keys (DEKs) are wrapped under the active KEK; any KEK of the ring unwraps what it
wrapped, so a rotated-out key stays readable until it is removed. Wrapping is AES-256-GCM
with a context (``aad``) naming what the key protects, so a wrapped key cannot be moved.
"""

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DataKeyUnavailable

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class Keyring:
    """KEKs by id; ``origin`` says where they come from (for messages, never the keys)."""

    active_id: str
    keys: Mapping[str, bytes]
    origin: str

    def kek(self, key_id: str) -> bytes:
        key = self.keys.get(key_id)
        if key is None:
            raise DataKeyUnavailable(
                f"data key '{key_id}' is not configured ({self.origin} holds "
                f"{', '.join(sorted(self.keys))}); restore it to read data sealed under it"
            )
        return key

    def wrap(self, secret: bytes, aad: bytes) -> tuple[str, bytes]:
        """``secret`` sealed under the active KEK: (key id, nonce + ciphertext + tag)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.kek(self.active_id)).encrypt(nonce, secret, aad)
        return self.active_id, nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes, aad: bytes, what: str) -> bytes:
        """The secret sealed by ``wrap``; a wrong key or an altered blob names ``what``."""
        try:
            return AESGCM(self.kek(key_id)).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad
            )
        except InvalidTag as exc:
            raise DataKeyUnavailable(
                f"the key of {what} does not open with data key '{key_id}' from {self.origin}: "
                "a different key has that id, or the wrapped key was altered"
            ) from exc


def new_key_id() -> str:
    return f"dk-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def decode_key(key_id: str, text: str, origin: str) -> bytes:
    """One KEK from base64; the message names the id, never the text."""
    if not KEY_ID.match(key_id):
        raise DataKeyUnavailable(f"{origin}: '{key_id[:64]}' is not a valid key id")
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise DataKeyUnavailable(f"{origin}: data key '{key_id}' is not 32 bytes of base64")
    return key


def parse_inline(text: str, origin: str = "PAZHOU_DATA_KEYS") -> Keyring:
    """``id:base64[,id:base64...]``; the first key is the active one."""
    keys: dict[str, bytes] = {}
    for entry in (item.strip() for item in text.split(",")):
        key_id, sep, value = entry.partition(":")
        if not sep:
            raise DataKeyUnavailable(f"{origin}: each entry is 'key-id:base64-key'")
        keys[key_id.strip()] = decode_key(key_id.strip(), value, origin)
    return Keyring(next(iter(keys)), keys, origin)
