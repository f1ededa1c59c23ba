"""How a query's ε is spent: one noisy release per distinct statistic, ε split evenly.

Groups are disjoint, so one person touches one group: the same ε covers every group
(parallel composition). Within a group the releases compose sequentially. A mean reuses the
noisy count and the noisy sum of its column instead of paying for them again.
"""

from dataclasses import dataclass, replace
from typing import Literal

from policies import mechanisms as mech
from policies.query import Aggregation, Query
from policies.schema import Policy

Kind = Literal["count", "sum", "quantile", "histogram"]


@dataclass(frozen=True)
class Share:
    key: str
    kind: Kind
    epsilon: float
    delta: float
    column: str | None = None
    lower: float = 0.0
    upper: float = 0.0
    integer: bool = False
    q: float | None = None
    bins: tuple[float, ...] | None = None
    selects: bool = False

    @property
    def noise_delta(self) -> float:
        """The δ the noise may use: none when this count also selects private group keys
        (its δ then pays for the selection threshold instead, never twice)."""
        return 0.0 if self.selects else self.delta


@dataclass(frozen=True)
class ReleasePlan:
    query: Query
    shares: dict[str, Share]
    private_groups: bool

    @property
    def count_share(self) -> Share | None:
        return self.shares.get("count")


def _wanted(agg: Aggregation) -> list[tuple[str, Kind]]:
    if agg.fn == "count":
        return [("count", "count")]
    if agg.fn in ("sum", "mean"):
        pieces: list[tuple[str, Kind]] = [(f"sum_{agg.column}", "sum")]
        return [*pieces, ("count", "count")] if agg.fn == "mean" else pieces
    if agg.fn == "quantile":
        return [(agg.label, "quantile")]
    return [(agg.label, "histogram")]


def plan(query: Query, policy: Policy) -> ReleasePlan:
    """The releases a (checked) query makes, each with its share of ε and δ."""
    private_groups = any((policy.columns[name].public_values is None) for name in query.group_by)
    wanted: dict[str, tuple[Kind, Aggregation | None]] = {}
    for agg in query.aggregations:
        for key, kind in _wanted(agg):
            wanted.setdefault(key, (kind, agg if kind != "count" else None))
    if private_groups:
        wanted.setdefault("count", ("count", None))
    epsilon, delta = query.epsilon / len(wanted), query.delta / len(wanted)
    shares = {
        key: _share(key, kind, agg, epsilon, delta, policy) for key, (kind, agg) in wanted.items()
    }
    if private_groups:
        shares["count"] = replace(shares["count"], selects=True)
    return ReleasePlan(query, shares, private_groups)


def _share(
    key: str, kind: Kind, agg: Aggregation | None, eps: float, delta: float, policy: Policy
) -> Share:
    if agg is None or agg.column is None:
        return Share(key, kind, eps, delta)
    column = policy.columns[agg.column]
    assert column.lower is not None and column.upper is not None  # checked by query.check
    return Share(
        key,
        kind,
        eps,
        delta,
        agg.column,
        column.lower,
        column.upper,
        column.type == "integer",
        agg.q,
        agg.bins,
    )


def selection_threshold(plan: ReleasePlan, min_group_size: int) -> float:
    """Noisy count a private group key needs to be shown: a key held by one person appears
    with probability at most the count share's δ, and never below ``min_group_size``."""
    share = plan.shares["count"]
    return max(float(min_group_size), mech.selection_threshold(share.epsilon, share.delta))


def expected_half_widths(plan: ReleasePlan) -> dict[str, float]:
    """95% half-widths knowable before running: counts, sums, histogram bins, quantile ranks."""
    widths: dict[str, float] = {}
    for key, share in plan.shares.items():
        if share.kind in ("count", "histogram"):
            widths[key] = mech.count_half_width(share.epsilon, share.noise_delta)
        elif share.kind == "sum":
            widths[key] = mech.sum_half_width(share.epsilon, share.lower, share.upper, share.delta)
        else:
            grid = mech.quantile_candidates(share.lower, share.upper, share.integer)
            widths[key] = mech.quantile_rank_half_width(share.epsilon, len(grid))
    return widths
