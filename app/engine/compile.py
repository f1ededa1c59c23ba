"""A checked query → parameterized DuckDB SQL over the version's Parquet files.

Values are never spliced into SQL text: they travel as parameters. Column names are checked
against the version's schema and quoted. Numbers are clamped to the policy's bounds inside
the engine, so one row's influence is bounded before any aggregate is taken. A NaN counts as
a missing value (like NULL: left out of sums, bins and quantiles, still a row for COUNT),
where DuckDB's ordering would otherwise have clamped it to the upper bound; ±inf are clamped.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from app.errors import InvalidInput
from policies import mechanisms as mech
from policies.query import Condition
from policies.release import ReleasePlan, Share

_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass
class Sql:
    text: str
    params: list[Any] = field(default_factory=list)


class Compiler:
    """``files`` is ``None`` for the native table ``data``, else a list of Parquet files."""

    def __init__(self, columns: Sequence[str], files: Sequence[str] | None) -> None:
        self.columns, self.files = set(columns), files

    def ident(self, name: str) -> str:
        if name not in self.columns:
            raise InvalidInput(f"the published data has no column '{name}'", field=name)
        return '"' + name.replace('"', '""') + '"'

    def _number(self, share: Share) -> str:
        """The column as a double, NaN made NULL (DuckDB: NaN = NaN, so NULLIF catches it)."""
        return f"NULLIF(CAST({self.ident(share.column or '')} AS DOUBLE), 'NaN'::DOUBLE)"

    def _clamp(self, share: Share, params: list[Any]) -> str:
        params += [share.lower, share.upper]
        return f"LEAST(GREATEST({self._number(share)}, ?), ?)"

    def _keys(self, plan: ReleasePlan, params: list[Any]) -> list[str]:
        """Group on the raw columns: matching public values is done on the few result rows."""
        return [self.ident(name) for name in plan.query.group_by]

    def _where(self, conditions: Sequence[Condition], params: list[Any]) -> str:
        parts = []
        for condition in conditions:
            column = self.ident(condition.column)
            if condition.op == "in":
                parts.append(f"{column} IN ({', '.join('?' for _ in condition.value)})")
                params += list(condition.value)
            elif condition.op == "between":
                parts.append(f"{column} BETWEEN ? AND ?")
                params += list(condition.value)
            else:
                parts.append(f"{column} {_OPS[condition.op]} ?")
                params.append(condition.value)
        return " AND ".join(parts) or "TRUE"

    def _tail(self, plan: ReleasePlan, params: list[Any], extra_where: str = "") -> str:
        source = "data"
        if self.files is not None:
            params.append(list(self.files))
            source = "read_parquet(?)"
        where = self._where(plan.query.where, params) + extra_where
        width = len(plan.query.group_by)
        group = f" GROUP BY {', '.join(f'k{i}' for i in range(width))}" if width else ""
        return f" FROM {source} WHERE {where}{group}"

    def aggregates(self, plan: ReleasePlan) -> Sql:
        """One row per group: keys, COUNT(*), clamped sums, histogram bins."""
        params: list[Any] = []
        select = [f"{key} AS k{i}" for i, key in enumerate(self._keys(plan, params))]
        select.append("COUNT(*)")
        for share in plan.shares.values():
            if share.kind == "sum":
                select.append(f"COALESCE(SUM({self._clamp(share, params)}), 0)")
            elif share.kind == "histogram":
                select += self._bins(share, params)
        return Sql(f"SELECT {', '.join(select)}" + self._tail(plan, params), params)

    def _bins(self, share: Share, params: list[Any]) -> list[str]:
        edges = share.bins or ()
        out = []
        for index, (low, high) in enumerate(pairwise(edges)):
            op = "<=" if index == len(edges) - 2 else "<"  # the last bin holds its upper edge
            first = self._clamp(share, params)
            params.append(low)
            second = self._clamp(share, params)
            params.append(high)
            out.append(f"COUNT(*) FILTER (WHERE {first} >= ? AND {second} {op} ?)")
        return out

    def quantile_buckets(self, plan: ReleasePlan, share: Share) -> Sql:
        """Counts of clamped values per candidate bucket (cumulated into ranks by the caller)."""
        grid = mech.quantile_candidates(share.lower, share.upper, share.integer)
        step = float(grid[1] - grid[0]) if len(grid) > 1 else 1.0
        params: list[Any] = []
        select = [f"{key} AS k{i}" for i, key in enumerate(self._keys(plan, params))]
        clamp = self._clamp(share, params)
        params += [float(grid[0]), step]
        select += [f"CAST(FLOOR(({clamp} - ?) / ?) AS BIGINT) AS bucket", "COUNT(*)"]
        not_null = f" AND {self._number(share)} IS NOT NULL"
        tail = self._tail(plan, params, not_null)
        tail += ", bucket" if plan.query.group_by else " GROUP BY bucket"
        return Sql(f"SELECT {', '.join(select)}" + tail, params)
