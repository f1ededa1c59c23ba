"""Assembling the noisy answer from exact GroupStats: rows, reuse, suppression, half-widths.

Noise is drawn from the seeded source of test_mechanism_statistics (see its docstring);
each test that depends on the draws states its false-failure probability.
"""

import math
from typing import Any

import numpy as np
import pytest

from policies import mechanisms as mech
from policies.answer import Answer, GroupStats, assemble
from policies.query import Query, check
from policies.release import ReleasePlan, expected_half_widths, plan, selection_threshold
from policies.schema import Policy
from tests.policies.test_mechanism_statistics import install_seeded_rng


@pytest.fixture(autouse=True)
def seeded(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    install_seeded_rng(monkeypatch, request.node.nodeid)


POLICY = Policy.model_validate(
    {
        "name": "answer",
        "epsilon_total": 10,
        "delta_total": 1e-5,
        "grant_default_epsilon": 2,
        "max_query_epsilon": 2,
        "min_group_size": 10,
        "columns": {
            "income": {"type": "number", "lower": 0, "upper": 1e5},
            "age": {"type": "integer", "lower": 0, "upper": 100},
            "district": {"type": "category", "group_by": True, "public_values": ["a", "b", "c"]},
            "employer": {"type": "category", "group_by": True},
        },
    }
)


def _plan(*aggs: dict[str, Any], policy: Policy = POLICY, **query: Any) -> ReleasePlan:
    checked = Query.model_validate({"aggregations": list(aggs), "epsilon": 1.0, **query})
    check(checked, policy)
    return plan(checked, policy)


def _answer(
    release: ReleasePlan,
    stats_: dict[tuple[Any, ...], GroupStats],
    public: list[tuple[Any, ...]] | None,
    floor: int = 10,
) -> Answer:
    return assemble(release, stats_, public, expected_half_widths(release), floor)


COUNT = {"fn": "count"}
SUM = {"fn": "sum", "column": "income"}
MEAN = {"fn": "mean", "column": "income"}
MEDIAN = {"fn": "quantile", "column": "age", "q": 0.5}
HIST = {"fn": "histogram", "column": "age", "bins": [0, 18, 65, 100]}


def test_every_public_key_is_reported_in_policy_order_even_when_empty() -> None:
    release = _plan(COUNT, SUM, HIST, group_by=["district"])
    stats_ = {("b",): GroupStats(count=40, sums={"sum_income": 1e6}, histograms={})}
    answer = _answer(release, stats_, [("a",), ("b",), ("c",)])
    assert [row["district"] for row in answer.rows] == ["a", "b", "c"]
    assert answer.suppressed_groups == 0
    for row in answer.rows:
        assert isinstance(row["count"], int) and isinstance(row["sum_income"], float)
        assert len(row["histogram_age"]) == 3 and all(
            isinstance(c, int) for c in row["histogram_age"]
        )
    assert set(answer.half_width) == {"count", "sum_income", "histogram_age"}


def test_a_mean_is_the_released_sum_over_the_released_count() -> None:
    """A mean reuses the noisy sum and count (no third release): the row's mean is exactly
    their quotient, and its half-width is mean_half_width of those same values."""
    release = _plan(MEAN, SUM, COUNT, group_by=["district"])
    stats_ = {key: GroupStats(count=500, sums={"sum_income": 2.5e7}) for key in [("a",), ("b",)]}
    widths = expected_half_widths(release)
    answer = assemble(release, stats_, [("a",), ("b",)], widths, 10)
    assert len(answer.half_width["mean_income"]) == len(answer.rows) == 2
    for row, width in zip(answer.rows, answer.half_width["mean_income"], strict=True):
        assert row["mean_income"] == row["sum_income"] / row["count"]
        assert width == mech.mean_half_width(
            row["sum_income"], row["count"], widths["sum_income"], widths["count"]
        )


def test_mean_half_width_is_none_when_the_count_is_within_its_own_error() -> None:
    assert mech.mean_half_width(100.0, 7.0, 50.0, 7.0) is None
    assert mech.mean_half_width(100.0, -3.0, 50.0, 7.0) is None
    assert mech.mean_half_width(100.0, 8.0, 50.0, 7.0) == pytest.approx((50 + 12.5 * 7) / 1)


def test_mean_half_width_holds_whenever_both_noises_are_within_their_widths() -> None:
    """Deterministic property (numpy seed 5, 20,000 cases): if |X| <= w_s and |Y| <= w_c
    then |(S+X)/(n+Y) - S/n| <= mean_half_width(S+X, n+Y, w_s, w_c) whenever it is given.
    (m^ - m = (X - m^ Y) / n, and n >= n^ - w_c.)"""
    rng = np.random.default_rng(5)
    for _ in range(20_000):
        n = int(rng.integers(1, 400))
        total = float(rng.uniform(-1e4, 1e4)) * n
        w_s, w_c = float(rng.uniform(0, 5e5)), int(rng.integers(0, 40))
        x, y = float(rng.uniform(-w_s, w_s)), int(rng.integers(-w_c, w_c + 1))
        width = mech.mean_half_width(total + x, n + y, w_s, w_c)
        if width is not None:
            error = abs((total + x) / (n + y) - total / n)
            assert error <= width * (1 + 1e-9) + 1e-9, (n, total, x, y, w_s, w_c)


def test_private_keys_below_the_threshold_are_suppressed_and_counted() -> None:
    """min_group_size 1000 sets the threshold: a group of 10,000 is shown unless the noise
    (sigma ~4.2) exceeds 9,000 and one of 5 is hidden unless it exceeds 995: both beyond
    200 sd. False failure < 1e-300."""
    release = _plan(COUNT, group_by=["employer"], delta=1e-6)
    assert selection_threshold(release, 1000) == 1000
    stats_ = {("big",): GroupStats(count=10_000), ("small",): GroupStats(count=5)}
    answer = _answer(release, stats_, None, floor=1000)
    assert [row["employer"] for row in answer.rows] == ["big"]
    assert answer.suppressed_groups == 1


def test_an_empty_histogram_group_gets_one_noisy_count_per_bin() -> None:
    release = _plan(HIST)
    answer = _answer(release, {(): GroupStats(count=0)}, None)
    assert len(answer.rows[0]["histogram_age"]) == 3


@pytest.mark.parametrize(
    ("group_by", "stats_", "public"),
    [
        ([], {(): GroupStats(count=0)}, None),  # WHERE matched no row
        (["district"], {("a",): GroupStats(count=0)}, [("a",), ("b",)]),  # public key, no rows
    ],
    ids=["no-rows", "empty-public-key"],
)
def test_a_quantile_over_an_empty_group_is_answered(group_by, stats_, public) -> None:
    """Deterministic: the engine leaves ``below`` unset when a group has no non-null value."""
    release = _plan(MEDIAN, group_by=group_by)
    answer = _answer(release, stats_, public)
    assert all(0 <= row["quantile_0.5_age"] <= 100 for row in answer.rows)


def test_a_group_of_one_person_is_shown_with_probability_at_most_delta() -> None:
    """A private key held by one person must appear with probability <= δ (it never appears
    without them). Exact: the selecting count is 1 + X with two-sided geometric X (pure ε; its
    δ share pays for the threshold only), shown iff 1 + X >= T, so P = α^(T-1) / (1 + α).
    The analytic check is deterministic; 20,000 assemble runs measure the same rate."""
    release = _plan(COUNT, group_by=["employer"], delta=1e-6)
    share = release.shares["count"]
    assert share.selects and share.noise_delta == 0
    threshold = selection_threshold(release, POLICY.min_group_size)
    alpha = math.exp(-share.epsilon)
    exact = alpha ** (math.ceil(threshold) - 1) / (1 + alpha)
    stats_ = {("only-me",): GroupStats(count=1)}
    runs = 20_000
    shown = sum(len(_answer(release, stats_, None).rows) for _ in range(runs))
    assert exact <= share.delta <= release.query.delta, (exact, shown / runs)
    assert shown <= 3  # P(>= 4 shown | rate <= 1e-6) < 7e-9
