"""From exact, clamped per-group aggregates to the noisy answer the consumer sees."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policies import mechanisms as mech
from policies.release import ReleasePlan, Share, selection_threshold


@dataclass
class GroupStats:
    """Exact aggregates of one group, as the engine computed them (never shown as such)."""

    count: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    histograms: dict[str, list[int]] = field(default_factory=dict)
    below: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    rows: list[dict[str, Any]]
    half_width: dict[str, Any]
    suppressed_groups: int


def _noisy_shares(plan: ReleasePlan, stats: GroupStats) -> dict[str, Any]:
    noisy: dict[str, Any] = {}
    for key, share in plan.shares.items():
        noisy[key] = _release(share, stats)
    return noisy


def _release(share: Share, stats: GroupStats) -> Any:
    if share.kind == "count":
        return mech.noisy_count(stats.count, share.epsilon, share.noise_delta)
    if share.kind == "sum":
        exact = stats.sums.get(share.key, 0.0)
        return mech.noisy_sum(exact, share.epsilon, share.lower, share.upper, share.delta)
    if share.kind == "histogram":
        bins = stats.histograms.get(share.key) or [0] * (len(share.bins or ()) - 1)
        return [mech.noisy_count(c, share.epsilon, share.delta) for c in bins]
    grid = mech.quantile_candidates(share.lower, share.upper, share.integer)
    below = stats.below.get(share.key, np.zeros(len(grid) + 1, dtype=np.int64))
    return mech.noisy_quantile(below.tolist(), share.q or 0.5, grid, share.epsilon)


def _row(
    plan: ReleasePlan, key: tuple[Any, ...], noisy: dict[str, Any], widths: dict[str, float]
) -> tuple[dict[str, Any], dict[str, Any]]:
    row: dict[str, Any] = dict(zip(plan.query.group_by, key, strict=True))
    width: dict[str, Any] = {}
    for agg in plan.query.aggregations:
        if agg.fn == "count":
            row["count"], width["count"] = noisy["count"], widths["count"]
        elif agg.fn == "sum":
            row[agg.label], width[agg.label] = (
                noisy[f"sum_{agg.column}"],
                widths[f"sum_{agg.column}"],
            )
        elif agg.fn == "mean":
            total, n = noisy[f"sum_{agg.column}"], noisy["count"]
            row[agg.label] = total / n if n > 0 else None
            width[agg.label] = mech.mean_half_width(
                total, n, widths[f"sum_{agg.column}"], widths["count"]
            )
        else:
            row[agg.label], width[agg.label] = noisy[agg.label], widths[agg.label]
    return row, width


def assemble(
    plan: ReleasePlan,
    stats: Mapping[tuple[Any, ...], GroupStats],
    public_keys: Sequence[tuple[Any, ...]] | None,
    widths: dict[str, float],
    min_group_size: int,
) -> Answer:
    """Noise every group; public keys are all reported, private ones only above the threshold.

    ``half_width`` maps each label to its 95% half-width; a mean's depends on its group, so
    with ``group_by`` it is a list aligned with ``rows``.
    """
    keys = list(public_keys) if public_keys is not None else sorted(stats, key=repr)
    threshold = selection_threshold(plan, min_group_size) if plan.private_groups else None
    rows: list[dict[str, Any]] = []
    per_row: list[dict[str, Any]] = []
    for key in keys:
        noisy = _noisy_shares(plan, stats.get(key, GroupStats()))
        if threshold is not None and noisy["count"] < threshold:
            continue
        row, width = _row(plan, key, noisy, widths)
        rows.append(row)
        per_row.append(width)
    return Answer(rows, _half_widths(plan, widths, per_row), len(keys) - len(rows))


def _half_widths(
    plan: ReleasePlan, widths: dict[str, float], per_row: list[dict[str, Any]]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for agg in plan.query.aggregations:
        if agg.fn != "mean":
            result[agg.label] = widths[_share_key(agg.fn, agg.column, agg.label)]
        elif plan.query.group_by:
            result[agg.label] = [width[agg.label] for width in per_row]
        else:
            result[agg.label] = per_row[0][agg.label] if per_row else None
    return result


def _share_key(fn: str, column: str | None, label: str) -> str:
    if fn == "count":
        return "count"
    return f"sum_{column}" if fn in ("sum", "mean") else label
