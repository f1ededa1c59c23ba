"""Per-key rate limit: a token bucket per API key id, held in this process.

Each key gets ``burst`` tokens, refilled at ``per_minute / 60`` per second; a request spends
one, and a key with none left is answered ``429 TooManyRequests`` with ``Retry-After``.

The limit is charged right after the key is verified (``app.auth.deps``), not in a middleware
before it: a bucket keyed by an unverified key id would let anyone who knows a key id (it is
not secret) exhaust its owner's quota. Being inside authentication, a refusal goes through the
error handler, so its audit event names the actor and role like any other denied request.

The buckets live in memory, per server process: with ``W`` uvicorn workers and ``R`` replicas
a key may send up to ``W x R`` times the limit. That is the price of not writing to the
database on every request (see docs/API-extensions.md, "Limits", for the figures); the limit
protects the service from a runaway client, while the privacy budget, the real guarantee, is
enforced atomically in the database.
"""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from app.errors import TooManyRequests

MAX_IDLE_BUCKETS = 10_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets by key; ``per_minute == 0`` turns the limit off. Thread-safe."""

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute, self.burst = per_minute, burst
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0.0 when allowed, else the seconds until one is back."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                self._forget_full_buckets(now)
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def _forget_full_buckets(self, now: float) -> None:
        """A bucket refilled to the brim is the same as no bucket: drop those (bounds memory)."""
        if len(self._buckets) < MAX_IDLE_BUCKETS:
            return
        refill = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < refill}


def charge(request: Request, key_id: str) -> None:
    """Spend one request of ``key_id``'s allowance, or refuse with 429 and ``Retry-After``."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    wait = limiter.take(key_id)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"this API key has used its {limiter.per_minute} requests per minute "
            f"(bursts of {limiter.burst}); retry in {seconds} s",
            retry_after=seconds,
        )
