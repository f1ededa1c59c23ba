"""The checkpoint signing key: Ed25519, from settings or generated once into the data directory
(owner-only permissions), identified by the SHA-256 of its raw public key."""

import base64
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.config import Settings

KEY_FILE_NAME = "audit-signing-key.pem"
_cache: dict[tuple[str, str], "Signer"] = {}
_cache_lock = threading.Lock()


class SigningKeyError(RuntimeError):
    """The configured key cannot be used (unreadable, not Ed25519, readable by others)."""


@dataclass(frozen=True)
class Signer:
    private_key: Ed25519PrivateKey

    @property
    def raw_public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> str:
        return key_id(self.raw_public_key)

    @property
    def public_pem(self) -> str:
        return public_pem(self.private_key.public_key())

    def sign(self, message: bytes) -> str:
        """Standard base64 of the Ed25519 signature of ``message``."""
        return base64.b64encode(self.private_key.sign(message)).decode()


def key_id(raw: bytes) -> str:
    """Hex SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw).hexdigest()


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_pem(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("the public key is not an Ed25519 key")
    return key


def key_file(settings: Settings) -> Path:
    return settings.audit_signing_key_file or settings.data_dir / KEY_FILE_NAME


def signer(settings: Settings) -> Signer:
    """The process's signer: the inline key, or the key file (created on first use)."""
    inline = settings.audit_signing_key.get_secret_value() if settings.audit_signing_key else ""
    cache_key = (inline, str(key_file(settings).resolve()))
    with _cache_lock:
        if cache_key not in _cache:
            pem = inline.encode() if inline else _read_or_create(key_file(settings))
            _cache[cache_key] = Signer(_private_key(pem))
        return _cache[cache_key]


def _private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"the audit signing key is not a readable PEM key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the audit signing key must be an Ed25519 key")
    return key


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        _create(path)
    if path.stat().st_mode & 0o077:
        raise SigningKeyError(f"{path} is readable by others: chmod 600 it")
    return path.read_bytes()


def _create(path: Path) -> None:
    """Write a new key atomically: two workers starting together end up with the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(temporary, path)  # fails if another process won the race: keep its key
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
