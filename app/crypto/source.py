"""Where the data keys come from, per data directory.

``PAZHOU_DATA_KEYS`` (inline) wins; else ``PAZHOU_DATA_KEY_FILE``; in development only, a key
file beside the data directory (``<data_dir>-data-keys.json``) is generated on first start.
Outside development a missing key is a clear start-up error. Readers that only hold a path
(``app.storage.read``) find the keys of the registered data directory the path lies in.
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings
from app.crypto.errors import DataKeyUnavailable
from app.crypto.keyfile import create_key_file, read_key_file
from app.crypto.keyring import Keyring, parse_inline

log = logging.getLogger("pazhou.keys")
_lock = threading.Lock()
_registry: dict[Path, "KeySource"] = {}


@dataclass
class KeySource:
    """The keys of one data directory: inline, or a file re-read whenever it changes."""

    root: Path
    inline: Keyring | None
    path: Path | None
    identity: tuple[object, ...]
    _cached: tuple[tuple[int, int, int], Keyring] | None = None

    def ring(self) -> Keyring:
        if self.inline is not None:
            return self.inline
        assert self.path is not None
        try:
            status = self.path.stat()
        except OSError as exc:
            raise DataKeyUnavailable(f"the data key file {self.path} is missing") from exc
        signature = (status.st_ino, status.st_mtime_ns, status.st_size)
        with _lock:
            if self._cached is None or self._cached[0] != signature:
                self._cached = (signature, read_key_file(self.path))
            return self._cached[1]

    def describe(self) -> str:
        return f"the data key file {self.path}" if self.path else "PAZHOU_DATA_KEYS"


def default_key_file(settings: Settings) -> Path:
    data_dir = settings.data_dir.resolve()
    return data_dir.parent / f"{data_dir.name}-data-keys.json"


def _identity(settings: Settings) -> tuple[object, ...]:
    inline = settings.data_keys.get_secret_value() if settings.data_keys else None
    return (inline, settings.data_key_file, settings.environment)


def key_file_path(settings: Settings) -> Path | None:
    """The key file in use (None when the keys are inline); refused inside the data dir."""
    if settings.data_keys is not None:
        return None
    path = settings.data_key_file
    if path is None and settings.environment != "development":
        raise DataKeyUnavailable(
            "no data key is configured: set PAZHOU_DATA_KEYS or PAZHOU_DATA_KEY_FILE "
            "(a key file is generated only in development)"
        )
    path = (path or default_key_file(settings)).resolve()
    root = settings.data_dir.resolve()
    if path.is_relative_to(root):
        raise DataKeyUnavailable(
            f"the data key file {path} must live outside the data directory {root}"
        )
    return path


def _build(settings: Settings) -> KeySource:
    root, identity = settings.data_dir.resolve(), _identity(settings)
    if settings.data_keys is not None:
        return KeySource(root, parse_inline(settings.data_keys.get_secret_value()), None, identity)
    path = key_file_path(settings)
    assert path is not None
    if settings.environment == "development" and not path.exists() and create_key_file(path):
        log.warning("generated a data key file at %s; back it up apart from the data", path)
    if not path.exists():
        raise DataKeyUnavailable(
            f"the data key file {path} does not exist: create it with "
            "`pazhou keys rotate-data-key`, or set PAZHOU_DATA_KEYS"
        )
    return KeySource(root, None, path, identity)


def prepare(settings: Settings) -> KeySource:
    """Resolve, check (by loading the keys) and register the keys of ``settings.data_dir``."""
    source = _build(settings)
    source.ring()
    with _lock:
        _registry[source.root] = source
    return source


def source_for(settings: Settings) -> KeySource:
    """The registered source of the data directory, (re)prepared if the settings changed."""
    with _lock:
        source = _registry.get(settings.data_dir.resolve())
    if source is not None and source.identity == _identity(settings):
        return source
    return prepare(settings)


def keys_for(settings: Settings) -> Keyring:
    return source_for(settings).ring()


def source_for_path(path: Path) -> KeySource | None:
    """The registered data directory holding ``path`` (the deepest, if nested), or None."""
    resolved = path.resolve()
    with _lock:
        roots = [root for root in _registry if resolved.is_relative_to(root)]
        return _registry[max(roots, key=lambda root: len(root.parts))] if roots else None
