"""k-anonymity (and optional l-diversity) by full-domain generalization, then suppression.

Every quasi-identifier has a hierarchy (``anonymizers.hierarchies``); a lattice node picks one
level per quasi-identifier. A node *satisfies* when the rows of its equivalence classes under
``k`` (or, with ``l``, with fewer than ``l`` distinct sensitive values) number at most
``max_suppression`` of the table. This is monotone: every generalization of a satisfying node
satisfies too (classes only merge).

Choice of node (as Samarati / Incognito / Flash search the same lattice): minimal information
loss, measured as the normalized generalization height ``sum(level_i / height_i)`` (Sweeney's
precision loss; each quasi-identifier weighs the same whatever its hierarchy's height), ties
broken by fewer suppressed rows, then by the discernibility metric (sum of squared class sizes,
plus ``n`` per suppressed row). Nodes are visited by increasing loss and the search stops after
the first loss that has a satisfying node: the optimum is a minimal satisfying node, and the
generalizations of a satisfying node (which satisfy, at a higher loss) are never evaluated.
The fully generalized node is checked first: when even it fails the limit, no node can meet it
(monotonicity), the search is skipped, and that node is used with whatever suppression it
needs (``within_suppression_limit`` is then False). The rows of the failing classes of the
chosen node are removed.

Null is a value of its own: rows with a null quasi-identifier form their own classes (a null
sensitive value counts as one distinct value). Classes are counted on integer codes with numpy
(``anonymizers._lattice``); the output is checked again with Arrow's ``group_by``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from anonymizers._lattice import EncodedColumn, encode, encode_levels
from anonymizers._lattice import frequency_set as build_frequency_set
from anonymizers._search import KAnonymityError, search
from anonymizers.hierarchies import Hierarchy, default_hierarchy

__all__ = [
    "KAnonymityError",
    "KAnonymityResult",
    "enforce_k_anonymity",
    "equivalence_class_sizes",
]

COUNT = "count"


@dataclass(frozen=True)
class KAnonymityResult:
    """The anonymized table and what was done to it (all figures recomputed on ``table``)."""

    table: pa.Table  # generalized, rows under k removed
    suppressed_rows: int
    levels: dict[str, int]  # chosen level per quasi-identifier
    generalizations: dict[str, str]  # column -> describe(level)
    min_class_size: int  # recomputed on the output (0 if empty)
    l_diversity: int | None  # distinct sensitive values in the least diverse class
    within_suppression_limit: bool = True  # False: even full generalization needed more


def equivalence_class_sizes(table: pa.Table, quasi_identifiers: Sequence[str]) -> pa.Table:
    """One row per equivalence class: the quasi-identifier values and ``count`` (its rows);
    nulls group together. The count column is ``count`` (``__count`` if a column has that name).
    """
    names = list(quasi_identifiers)
    count = _count_name(names)
    if table.num_rows == 0:
        empty = table.select(names).schema.append(pa.field(count, pa.int64()))
        return empty.empty_table()
    grouped = table.select(names).group_by(names, use_threads=False).aggregate([([], "count_all")])
    return grouped.rename_columns([*names, count])


def enforce_k_anonymity(
    table: pa.Table,
    quasi_identifiers: Sequence[str],
    k: int,
    *,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    max_suppression: float = 0.05,
    sensitive: str | None = None,
    l: int | None = None,  # noqa: E741  (the letter of l-diversity)
) -> KAnonymityResult:
    """Generalize ``quasi_identifiers`` along their hierarchies (default per column type, see
    ``default_hierarchy``) and suppress what still falls under ``k`` (and, with ``l``, classes
    with fewer than ``l`` distinct values of ``sensitive``). See the module docstring for the
    choice of levels. Never returns a table that violates k (or l).
    """
    names = _validated(table, quasi_identifiers, k, max_suppression, sensitive, l)
    chosen = {
        name: (hierarchies or {}).get(name)
        or default_hierarchy(table.schema.field(name).type, table.column(name))
        for name in names
    }
    node: tuple[int, ...] = tuple(0 for _ in names)
    within, out = True, table
    if table.num_rows:
        columns = _encode_all(table, names, chosen)
        freq = build_frequency_set(columns, _sensitive_codes(table, sensitive, l), table.num_rows)
        node, keep, within = search(columns, freq, k, l, max_suppression * table.num_rows)
        out = _generalized(table, names, columns, node, keep)
    return _result(out, names, chosen, node, table.num_rows, k, sensitive, l, within)


def _encode_all(
    table: pa.Table, names: list[str], chosen: Mapping[str, Hierarchy]
) -> list[EncodedColumn]:
    """Encode the quasi-identifiers, in threads (Arrow's kernels release the GIL)."""
    with ThreadPoolExecutor(max_workers=max(1, min(len(names), os.cpu_count() or 1))) as pool:
        jobs = [pool.submit(encode_levels, table.column(n), chosen[n], n) for n in names]
        return [job.result() for job in jobs]


def _sensitive_codes(
    table: pa.Table, sensitive: str | None, l_div: int | None
) -> tuple[npt.NDArray[np.int64], int] | None:
    """Codes of the sensitive column (and how many there are) when l-diversity is asked."""
    if l_div is None or sensitive is None:
        return None
    codes, values = encode(table.column(sensitive))
    return codes, len(values)


def _validated(
    table: pa.Table,
    quasi_identifiers: Sequence[str],
    k: int,
    max_suppression: float,
    sensitive: str | None,
    l_div: int | None,
) -> list[str]:
    names = list(quasi_identifiers)
    if isinstance(quasi_identifiers, str) or len(set(names)) != len(names):
        raise KAnonymityError("quasi_identifiers must be a list of distinct column names")
    for name in [*names, *([sensitive] if sensitive is not None else [])]:
        if name not in table.column_names:
            raise KAnonymityError(f"column '{name}' is not in the table")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise KAnonymityError(f"k must be a positive integer, got {k!r}")
    if not 0 <= max_suppression <= 1:
        raise KAnonymityError(f"max_suppression must be within [0, 1], got {max_suppression}")
    if l_div is not None and (isinstance(l_div, bool) or not isinstance(l_div, int) or l_div < 1):
        raise KAnonymityError(f"l must be a positive integer, got {l_div!r}")
    if l_div is not None and sensitive is None:
        raise KAnonymityError("l-diversity needs a sensitive column")
    if sensitive is not None and sensitive in names:
        raise KAnonymityError(f"sensitive column '{sensitive}' cannot be a quasi-identifier")
    return names


def _generalized(
    table: pa.Table,
    names: list[str],
    columns: list[EncodedColumn],
    node: tuple[int, ...],
    keep: npt.NDArray[np.bool_],
) -> pa.Table:
    """The table at ``node`` with only the ``keep`` rows (the others are in failing classes)."""
    everything = bool(keep.all())
    out = table if everything else table.filter(pa.array(keep))
    for name, column, level in zip(names, columns, node, strict=True):
        if level:
            codes = column.maps[level][column.rows if everything else column.rows[keep]]
            index = out.schema.get_field_index(name)
            out = out.set_column(index, name, column.values[level].take(pa.array(codes)))
    return out


def _result(
    out: pa.Table,
    names: list[str],
    chosen: Mapping[str, Hierarchy],
    node: tuple[int, ...],
    rows_in: int,
    k: int,
    sensitive: str | None,
    l_div: int | None,
    within: bool,
) -> KAnonymityResult:
    """Recompute the classes on the output and refuse to return a table that violates k or l."""
    min_size = _min_or_zero(equivalence_class_sizes(out, names).column(_count_name(names)))
    diversity = _least_diversity(out, names, sensitive) if sensitive is not None else None
    if out.num_rows and min_size < k:
        raise RuntimeError(f"k-anonymity check failed on the output: a class of {min_size} < {k}")
    if out.num_rows and l_div is not None and (diversity or 0) < l_div:
        raise RuntimeError(f"l-diversity check failed on the output: {diversity} < {l_div}")
    return KAnonymityResult(
        table=out,
        suppressed_rows=rows_in - out.num_rows,
        levels=dict(zip(names, node, strict=True)),
        generalizations={n: chosen[n].describe(lv) for n, lv in zip(names, node, strict=True)},
        min_class_size=min_size,
        l_diversity=diversity,
        within_suppression_limit=within,
    )


def _least_diversity(table: pa.Table, names: list[str], sensitive: str) -> int:
    """Distinct sensitive values (null counted as one) in the least diverse class."""
    if table.num_rows == 0:
        return 0
    distinct = pc.CountOptions(mode="all")
    grouped = table.select([*names, sensitive]).group_by(names, use_threads=False)
    stats = grouped.aggregate([(sensitive, "count_distinct", distinct)])
    return _min_or_zero(stats.column(f"{sensitive}_count_distinct"))


def _min_or_zero(column: pa.ChunkedArray) -> int:
    smallest = pc.min(column).as_py()
    return int(smallest) if smallest is not None else 0


def _count_name(names: Sequence[str]) -> str:
    return COUNT if COUNT not in names else f"__{COUNT}"
