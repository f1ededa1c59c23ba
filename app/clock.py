"""The one clock of the service: every "now" (expiry, audit time, job times) comes from here.

Tests move it forward to walk a grant past its expiry; production never touches the offset.
"""

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        """Move time forward (tests only)."""
        with self._lock:
            self._offset += delta

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)


CLOCK = Clock()


def now() -> datetime:
    return CLOCK.now()
