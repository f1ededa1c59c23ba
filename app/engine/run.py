"""Run compiled SQL in DuckDB and gather exact per-group statistics.

Every query has a deadline (``PAZHOU_QUERY_TIMEOUT_SECONDS``): a timer interrupts the DuckDB
cursor when it passes, and a statement is not started after it. Either way the caller gets
``QueryTimeout`` (503), and ``query_run.run`` refunds the reserved budget.
"""

import math
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from app.engine.compile import Compiler, Sql
from app.engine.native import cursor, engine_file
from app.errors import InvalidInput, QueryTimeout, StorageUnavailable
from policies import mechanisms as mech
from policies.answer import GroupStats
from policies.release import ReleasePlan, Share

Key = tuple[Any, ...]


class Deadline:
    """When the engine must have answered: ``seconds`` from now, or never when ``None``."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.at is not None and time.monotonic() >= self.at:
            raise self.error()

    def error(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query did not finish within {self.seconds:g} s and was stopped; nothing was "
            "spent. Ask for fewer groups, aggregations or bins, or try again later"
        )

    def watch(self, conn: duckdb.DuckDBPyConnection) -> threading.Timer | None:
        """A timer that interrupts ``conn`` at the deadline (cancel it when done)."""
        if self.at is None:
            return None
        timer = threading.Timer(max(self.at - time.monotonic(), 0.0), conn.interrupt)
        timer.daemon = True
        timer.start()
        return timer


def fetch_rows(sql: Sql, native: Path | None, deadline: Deadline) -> list[tuple[Any, ...]]:
    """Run one statement on its own cursor (``native`` file or in memory) before ``deadline``."""
    deadline.check()
    conn = cursor(native)
    timer = deadline.watch(conn)
    try:
        rows: list[tuple[Any, ...]] = conn.execute(sql.text, sql.params).fetchall()
    except duckdb.InterruptException as exc:
        raise deadline.error() from exc
    except duckdb.IOException as exc:
        raise StorageUnavailable(
            "the published data could not be read; nothing was spent, try again later"
        ) from exc
    except (duckdb.ConversionException, duckdb.BinderException) as exc:
        raise InvalidInput(
            f"the query does not fit the data's types; nothing was spent: {exc}"
        ) from exc
    finally:
        if timer is not None:
            timer.cancel()
        conn.close()
    return rows


def _native(parts: Sequence[Path]) -> Path | None:
    """The version's DuckDB file when there is one (a single published part)."""
    if len(parts) != 1:
        return None
    candidate = engine_file(parts[0])
    return candidate if candidate.exists() else None


def group_stats(
    plan: ReleasePlan,
    columns: Sequence[str],
    parts: Sequence[Path],
    public: Mapping[str, Sequence[Any]],
    timeout: float | None = None,
) -> dict[Key, GroupStats]:
    """Exact (clamped) aggregates per group key, computed in the engine within ``timeout`` s.

    Public group values come back as their text form (the keys the answer reports).
    """
    deadline = Deadline(timeout)
    native = _native(parts)
    compiler = Compiler(columns, None if native else [str(p) for p in parts])
    lookups = {name: {_canonical(v): str(v) for v in values} for name, values in public.items()}
    width = len(plan.query.group_by)
    stats: dict[Key, GroupStats] = {}
    for row in fetch_rows(compiler.aggregates(plan), native, deadline):
        key = _key(plan, lookups, row[:width])
        if key is not None:
            stats[key] = _unpack(plan, list(row[width:]))
    for share in plan.shares.values():
        if share.kind == "quantile":
            rows = fetch_rows(compiler.quantile_buckets(plan, share), native, deadline)
            keyed = [(_key(plan, lookups, row[:width]), row[width:]) for row in rows]
            _add_ranks(stats, [(key, rest) for key, rest in keyed if key is not None], share)
    return stats


def _canonical(value: Any) -> tuple[str, Any]:
    """Numbers compare as numbers (17000, 17000.0 and "17000" are one key), the rest as text."""
    if isinstance(value, bool):
        return ("text", str(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ("text", str(value))
    return ("number", number) if math.isfinite(number) else ("text", str(value))


def _key(
    plan: ReleasePlan, lookups: Mapping[str, Mapping[tuple[str, Any], str]], raw: Sequence[Any]
) -> Key | None:
    """The reported key: a public value's own text, or a private value as text. ``None`` when
    a row's value is not among the public values (such rows are never reported)."""
    key: list[Any] = []
    for name, value in zip(plan.query.group_by, raw, strict=True):
        lookup = lookups.get(name)
        if lookup is None:
            key.append(None if value is None else str(value))
            continue
        public = lookup.get(_canonical(value)) if value is not None else None
        if public is None:
            return None
        key.append(public)
    return tuple(key)


def _unpack(plan: ReleasePlan, values: list[Any]) -> GroupStats:
    group = GroupStats(count=int(values.pop(0)))
    for key, share in plan.shares.items():
        if share.kind == "sum":
            group.sums[key] = float(values.pop(0))
        elif share.kind == "histogram":
            bins = len(share.bins or ()) - 1
            group.histograms[key] = [int(values.pop(0)) for _ in range(bins)]
    return group


def _add_ranks(
    stats: dict[Key, GroupStats], rows: Sequence[tuple[Key, Sequence[Any]]], share: Share
) -> None:
    """``below[j]`` = rows under candidate ``j``; the last entry is the group's total."""
    size = len(mech.quantile_candidates(share.lower, share.upper, share.integer))
    buckets: dict[Key, np.ndarray] = {}
    for key, (bucket, count) in rows:
        counts = buckets.setdefault(key, np.zeros(size + 1, dtype=np.int64))
        counts[min(max(int(bucket), 0), size - 1) + 1] += int(count)
    for key, counts in buckets.items():
        stats.setdefault(key, GroupStats()).below[share.key] = np.cumsum(counts)
