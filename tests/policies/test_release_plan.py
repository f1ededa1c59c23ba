"""Release-plan arithmetic: how a query's ε and δ are split, and the selection threshold.

All deterministic (no noise is drawn).
"""

import math
from typing import Any

import pytest

from policies import mechanisms as mech
from policies.query import Query, QueryError, check
from policies.release import expected_half_widths, plan, selection_threshold
from policies.schema import Policy


def _policy(**overrides: Any) -> Policy:
    base: dict[str, Any] = {
        "name": "plan",
        "epsilon_total": 10,
        "delta_total": 1e-4,
        "grant_default_epsilon": 2,
        "max_query_epsilon": 2,
        "min_group_size": 10,
        "columns": {
            "income": {"type": "number", "lower": -50, "upper": 2e5},
            "age": {"type": "integer", "lower": 0, "upper": 120},
            "district": {"type": "category", "group_by": True, "public_values": ["a", "b"]},
            "employer": {"type": "category", "group_by": True},
        },
    }
    return Policy.model_validate({**base, **overrides})


def _plan(policy: Policy, *aggs: dict[str, Any], **query: Any):
    checked = Query.model_validate({"aggregations": list(aggs), "epsilon": 1.0, **query})
    check(checked, policy)
    return plan(checked, policy)


COUNT = {"fn": "count"}
SUM = {"fn": "sum", "column": "income"}
MEAN = {"fn": "mean", "column": "income"}
MEAN_AGE = {"fn": "mean", "column": "age"}
MEDIAN = {"fn": "quantile", "column": "age", "q": 0.5}
P90 = {"fn": "quantile", "column": "income", "q": 0.9}
HIST = {"fn": "histogram", "column": "age", "bins": [0, 18, 65, 120]}

QUERIES: dict[str, tuple[list[dict[str, Any]], dict[str, Any], int]] = {
    "count": ([COUNT], {}, 1),
    "sum": ([SUM], {}, 1),
    "mean": ([MEAN], {}, 2),
    "mean+sum+count": ([MEAN, SUM, COUNT], {}, 2),
    "two-means+count": ([MEAN, MEAN_AGE, COUNT], {}, 3),
    "everything": ([COUNT, SUM, MEAN, MEAN_AGE, MEDIAN, P90, HIST], {"epsilon": 1.7}, 6),
    "public-groups": ([SUM], {"group_by": ["district"]}, 1),
    "private-groups": ([SUM], {"group_by": ["employer"], "delta": 1e-6}, 2),
    "private-groups+count": ([COUNT, MEAN], {"group_by": ["employer"], "delta": 3e-5}, 2),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_shares_split_the_query_budget_exactly(name: str) -> None:
    """ε and δ shares sum to the query's (sequential composition inside a group), split
    evenly, one per distinct release."""
    aggs, extra, releases = QUERIES[name]
    release = _plan(_policy(), *aggs, **extra)
    query = release.query
    assert len(release.shares) == releases
    assert math.fsum(s.epsilon for s in release.shares.values()) == pytest.approx(query.epsilon)
    assert math.fsum(s.delta for s in release.shares.values()) == pytest.approx(query.delta)
    assert len({s.epsilon for s in release.shares.values()}) == 1
    assert all(s.epsilon > 0 for s in release.shares.values())


def test_mean_sum_and_count_of_one_column_pay_for_two_releases() -> None:
    release = _plan(_policy(), MEAN, SUM, COUNT)
    assert set(release.shares) == {"sum_income", "count"}
    assert [s.epsilon for s in release.shares.values()] == [0.5, 0.5]
    alone = _plan(_policy(), MEAN)
    assert set(alone.shares) == {"sum_income", "count"}


def test_shares_carry_the_policy_bounds_never_the_data() -> None:
    release = _plan(_policy(), MEAN, MEDIAN, HIST)
    income, median, hist = (
        release.shares["sum_income"],
        release.shares["quantile_0.5_age"],
        release.shares["histogram_age"],
    )
    assert (income.kind, income.lower, income.upper, income.integer) == ("sum", -50, 2e5, False)
    assert (median.kind, median.lower, median.upper, median.integer, median.q) == (
        "quantile",
        0,
        120,
        True,
        0.5,
    )
    assert hist.kind == "histogram" and hist.bins == (0, 18, 65, 120)
    assert release.shares["count"].column is None


def test_private_group_keys_add_a_count_share_and_need_delta() -> None:
    release = _plan(_policy(), SUM, group_by=["employer"], delta=1e-6)
    assert release.private_groups and set(release.shares) == {"sum_income", "count"}
    assert not _plan(_policy(), SUM, group_by=["district"]).private_groups
    with pytest.raises(QueryError) as refused:
        _plan(_policy(), SUM, group_by=["employer"])
    assert refused.value.field == "delta"


def test_selection_threshold_grows_as_delta_shrinks() -> None:
    """Geometric partition selection: the smallest integer T with
    P(1 + X >= T) = α^(T-1) / (1 + α) <= δ, α = exp(-ε)."""
    thresholds = []
    for delta in (1e-4, 1e-5, 1e-6, 1e-8, 1e-10):
        release = _plan(_policy(min_group_size=1), COUNT, group_by=["employer"], delta=delta)
        share = release.shares["count"]
        threshold = selection_threshold(release, 1)
        alpha = math.exp(-share.epsilon)
        assert alpha ** (threshold - 1) / (1 + alpha) <= share.delta
        assert alpha ** (threshold - 2) / (1 + alpha) > share.delta
        thresholds.append(threshold)
    assert thresholds == sorted(thresholds) and len(set(thresholds)) == len(thresholds)
    release = _plan(_policy(), COUNT, group_by=["employer"], delta=1e-6)
    assert selection_threshold(release, 1000) == 1000.0  # never below the policy's floor
    # a smaller ε share (more releases) also raises it
    wider = _plan(_policy(), COUNT, SUM, MEDIAN, group_by=["employer"], delta=1e-6)
    assert selection_threshold(wider, 1) > selection_threshold(release, 1)


def test_expected_half_widths_use_each_share() -> None:
    release = _plan(_policy(), COUNT, SUM, MEDIAN, HIST, epsilon=2.0, delta=4e-6)
    widths = expected_half_widths(release)
    eps, delta = 0.5, 1e-6
    assert widths == {
        "count": mech.count_half_width(eps, delta),
        "sum_income": mech.sum_half_width(eps, -50, 2e5, delta),
        "quantile_0.5_age": mech.quantile_rank_half_width(eps, 121),
        "histogram_age": mech.count_half_width(eps, delta),
    }
    pure = expected_half_widths(_plan(_policy(), SUM))
    assert pure["sum_income"] == pytest.approx(2e5 / 1.0 * math.log(20))
