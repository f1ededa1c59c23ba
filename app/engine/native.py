"""A published version in DuckDB's own format, next to its Parquet file.

Scanning DuckDB's native storage is about 2.5x faster than decoding Parquet for the clamped
GROUP BY queries of the DP engine, so publishing writes both; the Parquet file stays the
portable copy (extracts, S3), the ``.duckdb`` file is the engine's. Read-only connections are
opened once per file and shared; each query runs on its own cursor.
"""

import threading
from pathlib import Path
from typing import Any

import duckdb

MEMORY_LIMIT = "512MB"
_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_lock = threading.Lock()


def engine_file(parquet: Path) -> Path:
    return parquet.with_suffix(".duckdb")


def build(parquet: Path) -> Path:
    """Write ``<name>.duckdb`` with one table ``data`` holding the Parquet file's rows."""
    target = engine_file(parquet)
    temporary = target.with_suffix(".duckdb.tmp")
    temporary.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(temporary), config={"memory_limit": MEMORY_LIMIT}) as conn:
            conn.execute("CREATE TABLE data AS SELECT * FROM read_parquet(?)", [str(parquet)])
        temporary.rename(target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def cursor(path: Path | None) -> duckdb.DuckDBPyConnection:
    """A cursor on the shared connection of ``path`` (or of an in-memory database)."""
    key = str(path) if path is not None else ":memory:"
    with _lock:
        conn = _connections.get(key)
        if conn is None:
            config: dict[str, Any] = {"memory_limit": MEMORY_LIMIT}
            if path is None:
                conn = duckdb.connect(config=config)
            else:
                conn = duckdb.connect(key, read_only=True, config=config)
            _connections[key] = conn
    return conn.cursor()


def forget(path: Path) -> None:
    """Close the shared connection of a file that is going away."""
    with _lock:
        conn = _connections.pop(str(path), None)
    if conn is not None:
        conn.close()
