"""Integer codes for k-anonymity: quasi-identifiers per level, the frequency set, node checks.

Each quasi-identifier is dictionary-encoded once (null is a code of its own); every hierarchy
level is applied to the distinct values only, giving a map from raw code to level code. The
rows collapse into a frequency set (distinct raw tuples with their row counts; the sensitive
value joins the tuple when l-diversity is asked). A lattice node (one level per
quasi-identifier) is checked on that set with numpy: level codes gathered, combined into one
int64 key, class sizes by ``bincount``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.hierarchies import Hierarchy
from anonymizers.hierarchy_kinds import as_array

Codes = npt.NDArray[np.int64]
_KEY_LIMIT = 1 << 62
_DENSE_LIMIT = 1 << 24


@dataclass(frozen=True)
class EncodedColumn:
    """One quasi-identifier: raw code per row, and per level the generalized distinct values
    (``values[level]``) and the map from raw code to their index (``maps[level]``)."""

    rows: Codes
    maps: list[Codes]
    values: list[pa.Array]


def encode(column: pa.ChunkedArray | pa.Array) -> tuple[Codes, pa.Array]:
    """Row codes and distinct values of a column; null is a value with a code of its own."""
    encoded = pc.dictionary_encode(as_array(column), null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def encode_levels(
    column: pa.ChunkedArray | pa.Array, hierarchy: Hierarchy, name: str
) -> EncodedColumn:
    """Encode ``column`` and every level of ``hierarchy`` on its distinct values."""
    rows, distinct = encode(column)
    maps: list[Codes] = [np.arange(len(distinct), dtype=np.int64)]
    values: list[pa.Array] = [distinct]
    for level in range(1, hierarchy.levels + 1):
        general = hierarchy.apply(distinct, level)
        if len(general) != len(distinct):
            raise ValueError(f"hierarchy of '{name}' changed the number of values at {level}")
        codes, general_values = encode(general)
        _check_coarser(maps[-1], codes, name, level)
        maps.append(codes)
        values.append(general_values)
    return EncodedColumn(rows, maps, values)


def _check_coarser(finer: Codes, coarser: Codes, name: str, level: int) -> None:
    """Every class of the finer level must fall inside one class of the coarser level."""
    if len(finer) == 0:
        return
    target = np.full(int(finer.max()) + 1, -1, dtype=np.int64)
    target[finer] = coarser
    if not np.array_equal(target[finer], coarser):
        raise ValueError(f"hierarchy of '{name}': level {level} is not coarser than {level - 1}")


def combine(columns: Sequence[Codes], cards: Sequence[int], size: int) -> tuple[Codes, int]:
    """One int64 key per row from several code columns (``cards`` = their code counts);
    keys are re-numbered densely whenever the key space would overflow."""
    key = np.zeros(size, dtype=np.int64)
    space = 1
    for codes, card in zip(columns, cards, strict=True):
        if space * card >= _KEY_LIMIT:
            unique, key = np.unique(key, return_inverse=True)
            space = len(unique)
        key = key * card + codes
        space *= max(card, 1)
    return key, space


def dense_classes(key: Codes, space: int) -> tuple[Codes, int]:
    """Class ids in ``0..n`` for the keys: the keys themselves when the space is small."""
    if space <= max(_DENSE_LIMIT, 4 * len(key)):
        return key, space
    unique, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64), len(unique)


@dataclass(frozen=True)
class FrequencySet:
    """Distinct (quasi-identifier codes[, sensitive code]) tuples and their row counts."""

    codes: list[Codes]  # raw code per tuple, one array per quasi-identifier
    counts: Codes  # rows per tuple
    sensitive: Codes | None  # sensitive code per tuple
    sensitive_card: int
    row_tuple: Codes  # tuple index per row


def frequency_set(
    columns: Sequence[EncodedColumn], sensitive: tuple[Codes, int] | None, rows: int
) -> FrequencySet:
    """Collapse the rows into distinct tuples: ``bincount`` over the combined raw codes when
    their key space is small enough, else one ``np.unique``."""
    parts = [column.rows for column in columns]
    cards = [len(column.values[0]) for column in columns]
    if sensitive is not None:
        parts, cards = [*parts, sensitive[0]], [*cards, sensitive[1]]
    key, space = combine(parts, cards, rows)
    if space == math.prod(cards) and space <= max(_DENSE_LIMIT, 4 * rows):
        per_key = np.bincount(key, minlength=space)
        present = per_key > 0
        row_tuple = (np.cumsum(present) - 1)[key]
        ids = np.flatnonzero(present)
        counts, codes = per_key[ids], _unravel(ids, cards)
    else:
        _, first, row_tuple, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        codes = [part[first] for part in parts]
    return FrequencySet(
        codes=codes[: len(columns)],
        counts=counts.astype(np.int64),
        sensitive=codes[-1] if sensitive is not None else None,
        sensitive_card=sensitive[1] if sensitive is not None else 0,
        row_tuple=row_tuple.astype(np.int64).reshape(-1),
    )


def _unravel(keys: Codes, cards: Sequence[int]) -> list[Codes]:
    """The code columns a ``combine`` key was made of (mixed radix, no re-numbering)."""
    codes: list[Codes] = []
    rest = keys.astype(np.int64)
    for card in reversed(cards):
        rest, code = np.divmod(rest, max(card, 1))
        codes.append(code)
    return codes[::-1]


@dataclass(frozen=True)
class NodeCheck:
    """A node checked: rows it must suppress, its discernibility, which tuples fall."""

    suppressed: int
    discernibility: int
    failing_tuples: npt.NDArray[np.bool_]


def check_node(
    node: Sequence[int],
    columns: Sequence[EncodedColumn],
    freq: FrequencySet,
    k: int,
    l_div: int | None,
) -> NodeCheck:
    """Class sizes (and distinct sensitive values) of one node; classes under k (or l) fall."""
    level_codes = [c.maps[lv][raw] for c, lv, raw in zip(columns, node, freq.codes, strict=True)]
    cards = [len(c.values[lv]) for c, lv in zip(columns, node, strict=True)]
    key, space = combine(level_codes, cards, len(freq.counts))
    classes, n_classes = dense_classes(key, space)
    sizes = np.bincount(classes, weights=freq.counts, minlength=n_classes).astype(np.int64)
    failing = (sizes > 0) & (sizes < k)
    if l_div is not None and freq.sensitive is not None:
        pairs = np.unique(classes * freq.sensitive_card + freq.sensitive)
        diversity = np.bincount(pairs // freq.sensitive_card, minlength=n_classes)
        failing |= (sizes > 0) & (diversity < l_div)
    suppressed = int(sizes[failing].sum())
    kept = sizes[~failing]
    discernibility = int((kept * kept).sum()) + suppressed * int(freq.counts.sum())
    return NodeCheck(suppressed, discernibility, failing[classes])
