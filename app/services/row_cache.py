"""Values derived from database rows that never change once written, cached per process.

A policy or a published version is never edited: a new policy, or publishing a version again,
writes a new row. So a value computed from such a row (a parsed policy, a catalog entry's
static part) stays right for as long as that row is the current one, and requests only read
which row is current. The key must name the row uniquely over time, not just by id (SQLite may
reuse the id of a deleted row): callers add what changes with each write (a hash, a job id).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RowCache(Generic[V]):
    """A bounded, thread-safe map from a row's key to a value derived from it (LRU)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()`` stored under ``key`` (computed outside the lock)."""
        found = self.find(key)
        return found if found is not None else self.put(key, compute())

    def find(self, key: Hashable) -> V | None:
        """The cached value, or None (nothing is computed)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
