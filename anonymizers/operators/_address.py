"""Chinese address -> province + city + district/county, using the ``cpca`` division table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from anonymizers.operators._arrow import map_unique, to_text
from anonymizers.operators.base import Column

_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_LEVELS = ("省", "市", "区")


def _join_levels(parts: Sequence[Any]) -> str | None:
    """Join the recognised administrative names, skipping placeholders and repeats."""
    names: list[str] = []
    for part in parts:
        if isinstance(part, str) and part and part not in _PLACEHOLDERS and part not in names:
            names.append(part)
    return "".join(names) or None


def districts_of(texts: Sequence[str]) -> list[str | None]:
    """Province, city and district/county of each address, or ``None`` when none is found.

    The result is built only from names in ``cpca``'s table of administrative divisions, so no
    street, building or compound name from the input can survive. ``cpca`` fills in implied
    levels (``深圳市南山区…`` -> ``广东省深圳市南山区``); a bare district name that exists in
    several cities is resolved by ``cpca``'s own guess.
    """
    if not texts:
        return []
    import cpca  # deferred: loading the division table takes about a second

    frame = cpca.transform(list(texts))
    rows = zip(*(frame[level].tolist() for level in _LEVELS), strict=True)
    return [_join_levels(row) for row in rows]


def address_to_district(column: Column, operator: str) -> Column:
    """Generalise an address column to district level, once per distinct address."""

    def convert(values: pa.Array) -> pa.Array:
        return pa.array(districts_of(values.to_pylist()), type=pa.string())

    return map_unique(to_text(column, operator), convert)
