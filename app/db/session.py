"""Engines and session factories.

SQLite serializes writers: a write session begins with ``BEGIN IMMEDIATE`` (so two requests
never both read and then fail to upgrade their lock), while short read-only sessions (key look-up,
ownership checks before a long upload) use a plain deferred ``BEGIN`` on a second engine.
On PostgreSQL both factories share one engine and its pool (``app.db.postgres``); read-only
sessions run in autocommit there, and so do those of requests that store nothing but their
audit event (``record_sessions``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.db.postgres import postgres_engine, read_only

SQLITE_BUSY_TIMEOUT_MS = 60_000


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """The engines of one database URL and the two session factories."""

    def __init__(self, url: str, pool_size: int = 32, max_overflow: int = 8) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(url, "BEGIN")
        else:
            self.engine = postgres_engine(url, pool_size, max_overflow)
            self.read_engine = read_only(self.engine)
        self.write_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        # A request that stores nothing but its audit event: on PostgreSQL the event's insert
        # is a transaction of its own (no BEGIN/COMMIT round trips); SQLite chains it under
        # the write lock, which only a write session takes up front.
        self.record_sessions = self.write_sessions if self.is_sqlite else self.read_sessions

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on error."""
        with self.write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short read-only session; it never holds a write lock.

        Closing (not rolling back) leaves the loaded objects readable after the block.
        """
        with self.read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.is_sqlite:  # on PostgreSQL the read engine shares the pool
            self.read_engine.dispose()
