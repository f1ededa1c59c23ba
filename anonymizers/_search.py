"""The lattice search of k-anonymity: the node of least loss within the suppression limit."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from anonymizers._lattice import EncodedColumn, FrequencySet, NodeCheck, check_node

MAX_LATTICE_NODES = 200_000


class KAnonymityError(ValueError):
    """A request that cannot be anonymized as asked (unknown column, bad k or l, ...)."""


def search(
    columns: list[EncodedColumn], freq: FrequencySet, k: int, l_div: int | None, limit: float
) -> tuple[tuple[int, ...], npt.NDArray[np.bool_], bool]:
    """The chosen node, which rows it keeps, and whether it met the suppression ``limit``
    (rows); see ``anonymizers.kanonymity`` for the order of the search."""
    heights = [len(column.maps) - 1 for column in columns]
    top = tuple(heights)
    top_check = check_node(top, columns, freq, k, l_div)
    if top_check.suppressed > limit:
        return top, ~top_check.failing_tuples[freq.row_tuple], False
    best = (top, top_check)
    best_loss = _loss(top, heights)
    for node in _nodes_by_loss(heights):
        loss = _loss(node, heights)
        if loss > best_loss:
            break
        check = top_check if node == top else check_node(node, columns, freq, k, l_div)
        if check.suppressed > limit:
            continue
        if loss < best_loss or _rank(check) < _rank(best[1]):
            best, best_loss = (node, check), loss
    return best[0], ~best[1].failing_tuples[freq.row_tuple], True


def _loss(node: Sequence[int], heights: Sequence[int]) -> float:
    """Normalized generalization height, rounded so that equal sums compare equal."""
    return round(sum(lv / h for lv, h in zip(node, heights, strict=True) if h), 9)


def _rank(check: NodeCheck) -> tuple[int, int]:
    return check.suppressed, check.discernibility


def _nodes_by_loss(heights: Sequence[int]) -> list[tuple[int, ...]]:
    size = int(np.prod([h + 1 for h in heights], dtype=np.float64))
    if size > MAX_LATTICE_NODES:
        raise KAnonymityError(
            f"{size:,} generalization combinations (over {MAX_LATTICE_NODES:,}): "
            "use fewer quasi-identifiers or shorter hierarchies"
        )
    nodes = itertools.product(*(range(h + 1) for h in heights))
    return sorted(nodes, key=lambda node: (_loss(node, heights), sum(node), node))
