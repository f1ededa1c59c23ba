"""Noise for released aggregates (diffprivlib mechanisms) and their 95% accuracy.

Counts use the two-sided geometric mechanism (pure ε) or the analytic Gaussian (ε, δ); sums
use Laplace (or Gaussian) calibrated to the policy's bounds; quantiles use the exponential
mechanism over candidates drawn from the policy's bounds. Noise comes from diffprivlib's
secure random source.
"""

import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

CONFIDENCE = 0.95
_BETA = 1 - CONFIDENCE


def noisy_count(value: int, epsilon: float, delta: float = 0.0) -> int:
    """A count with sensitivity 1 (one person adds or removes one row)."""
    if delta > 0:
        noisy = _gaussian(epsilon, delta, 1.0).randomise(value)
        return round(float(noisy))
    return int(_dp().Geometric(epsilon=epsilon, sensitivity=1).randomise(int(value)))


def noisy_sum(
    value: float, epsilon: float, lower: float, upper: float, delta: float = 0.0
) -> float:
    """A sum of values clamped to ``[lower, upper]``: one row moves it by at most max(|l|,|u|)."""
    sensitivity = sum_sensitivity(lower, upper)
    if delta > 0:
        mech = _gaussian(epsilon, delta, sensitivity)
    else:
        mech = _dp().Laplace(epsilon=epsilon, sensitivity=sensitivity)
    return float(mech.randomise(float(value)))


def sum_sensitivity(lower: float, upper: float) -> float:
    return max(abs(lower), abs(upper))


def quantile_candidates(lower: float, upper: float, integer: bool, limit: int = 1001) -> np.ndarray:
    """Candidate answers from the policy's bounds (never from the data)."""
    if integer and upper - lower + 1 <= limit:
        return np.arange(math.ceil(lower), math.floor(upper) + 1, dtype=float)
    return np.linspace(lower, upper, limit)


def noisy_quantile(below: Sequence[int], q: float, candidates: np.ndarray, epsilon: float) -> float:
    """Exponential mechanism over candidates ``c_j``; sensitivity 1.

    ``below[j]`` = #{x < c_j} for every candidate plus a last entry, the total n, so that
    ``[below[j], below[j+1]]`` is the interval of ranks that ``c_j`` covers (ties included).
    Utility is minus the distance from q·n to that interval: 0 for every candidate that is a
    true q-quantile, and one row changes it by at most 1.
    """
    target = q * float(below[-1])
    utility = [
        -max(0.0, float(low) - target, target - float(high)) for low, high in pairwise(below)
    ]
    mech = _dp().Exponential(
        epsilon=epsilon, sensitivity=1, utility=utility, candidates=list(range(len(candidates)))
    )
    return float(candidates[int(mech.randomise())])


def count_half_width(epsilon: float, delta: float = 0.0) -> float:
    """95% half-width of the (integer) count noise: the smallest k with P(|X| <= k) >= 95%."""
    if delta > 0:  # the count is rounded: |round(v + N) - v| <= k  iff  |N| < k + 1/2
        return float(max(0, math.ceil(_gaussian_half_width(epsilon, delta, 1.0) - 0.5)))
    alpha = math.exp(-epsilon)
    # P(|X| >= k) = 2 alpha^k / (1 + alpha): the smallest k with P(|X| > k) <= 5%
    return float(max(0, math.ceil(math.log(_BETA * (1 + alpha) / 2) / math.log(alpha)) - 1))


def sum_half_width(epsilon: float, lower: float, upper: float, delta: float = 0.0) -> float:
    sensitivity = sum_sensitivity(lower, upper)
    if delta > 0:
        return _gaussian_half_width(epsilon, delta, sensitivity)
    return sensitivity / epsilon * math.log(1 / _BETA)


def quantile_rank_half_width(epsilon: float, candidates: int) -> float:
    """With 95% probability the answer's rank is within this many rows of the true quantile."""
    return 2.0 / epsilon * (math.log(candidates) + math.log(1 / _BETA))


def selection_threshold(epsilon: float, delta: float) -> float:
    """Noisy count a private group key needs so that a key held by one person shows with
    probability at most ``delta``: geometric noise, P(X >= k) = alpha^k / (1 + alpha).
    """
    alpha = math.exp(-epsilon)
    return 1.0 + math.ceil(math.log(delta * (1 + alpha)) / math.log(alpha))


def mean_half_width(
    noisy_total: float, noisy_n: float, sum_width: float, count_width: float
) -> float | None:
    """Approximate 95% half-width of sum/count, from the two noisy parts (post-processing)."""
    if noisy_n <= count_width:
        return None
    mean = noisy_total / noisy_n
    return (sum_width + abs(mean) * count_width) / (noisy_n - count_width)


def _gaussian_half_width(epsilon: float, delta: float, sensitivity: float) -> float:
    return 1.959964 * math.sqrt(_gaussian(epsilon, delta, sensitivity).variance(0.0))


@lru_cache(maxsize=256)
def _gaussian(epsilon: float, delta: float, sensitivity: float) -> Any:
    """Solving the analytic Gaussian's scale costs ~1 ms; the mechanism holds no state but
    its parameters and the secure random source, so one per (ε, δ, Δ) serves every cell."""
    return _dp().GaussianAnalytic(epsilon=epsilon, delta=delta, sensitivity=sensitivity)


def preload() -> None:
    """Import diffprivlib now (a server does it in the background at start-up), so that the
    first DP query does not wait a second or two for scikit-learn to load."""
    _dp()


@lru_cache(maxsize=1)
def _dp() -> Any:
    """diffprivlib's mechanisms, imported on the first release: it loads scikit-learn
    (~110 MB), which a process that only ingests or masks data never needs."""
    from diffprivlib import mechanisms

    return mechanisms
