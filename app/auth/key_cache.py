"""Verified API keys remembered for a moment, so that most requests skip the key look-up.

Cached per key id: the stored SHA-256 of the secret and the principal behind it. Every request
still compares its own secret with that digest in constant time, so a wrong secret is refused
whether or not the key is cached. Revoking a key drops it from the revoking process's cache as
soon as the revocation commits; every other server process (another uvicorn worker, another
replica, a CLI revocation) stops accepting it within ``auth_cache_seconds`` (default 1 s;
0 turns the cache off and every request reads the key from the database).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.auth.actor import Actor

MAX_KEYS = 10_000


@dataclass(frozen=True)
class CachedKey:
    secret_sha256: str
    actor: Actor
    until: float


class KeyCache:
    """Thread-safe; entries live ``ttl`` seconds (monotonic clock)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._clock = ttl, clock
        self._keys: dict[str, CachedKey] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> CachedKey | None:
        with self._lock:
            found = self._keys.get(key_id)
            if found is not None and found.until <= self._clock():
                del self._keys[key_id]
                return None
            return found

    def put(self, key_id: str, secret_sha256: str, actor: Actor) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._keys) >= MAX_KEYS:
                self._keys.clear()
            self._keys[key_id] = CachedKey(secret_sha256, actor, self._clock() + self.ttl)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._keys.pop(key_id, None)
