"""Run compiled SQL in DuckDB and gather exact per-group statistics."""

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np

from app.engine.compile import Compiler, Sql
from app.errors import StorageUnavailable
from policies import mechanisms as mech
from policies.answer import GroupStats
from policies.release import ReleasePlan

Key = tuple[Any, ...]


def _rows(sql: Sql) -> list[tuple[Any, ...]]:
    try:
        with duckdb.connect() as conn:
            return conn.execute(sql.text, sql.params).fetchall()
    except duckdb.IOException as exc:
        raise StorageUnavailable(
            "the published data could not be read; nothing was spent, try again later"
        ) from exc


def group_stats(
    plan: ReleasePlan, columns: Sequence[str], files: Sequence[str]
) -> dict[Key, GroupStats]:
    """Exact (clamped) aggregates per group key, computed in the engine."""
    compiler = Compiler(columns, files)
    width = len(plan.query.group_by)
    stats: dict[Key, GroupStats] = {}
    for row in _rows(compiler.aggregates(plan)):
        key, values = tuple(row[:width]), list(row[width:])
        stats[key] = _unpack(plan, values)
    for share in plan.shares.values():
        if share.kind == "quantile":
            _add_ranks(stats, _rows(compiler.quantile_buckets(plan, share)), width, share)
    return stats


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
    stats: dict[Key, GroupStats], rows: list[tuple[Any, ...]], width: int, share: Any
) -> None:
    """``below[j]`` = rows under candidate ``j``; the last entry is the group's total."""
    size = len(mech.quantile_candidates(share.lower, share.upper, share.integer))
    buckets: dict[Key, np.ndarray] = {}
    for row in rows:
        key, bucket, count = tuple(row[:width]), int(row[width]), int(row[width + 1])
        counts = buckets.setdefault(key, np.zeros(size + 1, dtype=np.int64))
        counts[min(max(bucket, 0), size - 1) + 1] += count
    for key, counts in buckets.items():
        stats.setdefault(key, GroupStats()).below[share.key] = np.cumsum(counts)
