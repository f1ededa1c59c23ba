"""CPU seconds of processes read from ``/proc`` (Linux): a server's process tree and a
PostgreSQL database's backends, so that benchmarks can report CPU per request next to
throughput on a shared machine."""

import os
from pathlib import Path

from sqlalchemy import create_engine, text

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu_s(pid: int) -> float:
    """utime + stime of one process (0 if it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS if fields else 0.0


def tree_pids(root: int) -> list[int]:
    """``root`` and its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def tree_cpu_s(root: int) -> float:
    return sum(process_cpu_s(pid) for pid in tree_pids(root))


def database_backends(url: str) -> list[int]:
    """The PostgreSQL backend pids connected to ``url``'s database right now."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            return list(conn.execute(text(query)).scalars())
    finally:
        engine.dispose()
