"""Generalization hierarchies for k-anonymity: the protocol, defaults per type, and specs.

A hierarchy has ``levels`` generalization levels above the raw value (level 0 = as is); each
level is coarser than the one below and the last one is normally full suppression (``"*"``).
The kinds live in ``anonymizers.hierarchy_kinds`` and ``anonymizers.hierarchy_dates`` and are
re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.hierarchy_dates import DATE_UNITS, DateLevels
from anonymizers.hierarchy_kinds import (
    InvalidSpec,
    NumericBands,
    Prefix,
    ValueMap,
    as_array,
)

__all__ = [
    "DATE_UNITS",
    "DateLevels",
    "Hierarchy",
    "InvalidSpec",
    "NumericBands",
    "Prefix",
    "ValueMap",
    "default_hierarchy",
    "hierarchy_from_spec",
]

DEFAULT_BAND_WIDTHS = (5.0, 10.0, 50.0)
DEFAULT_PREFIXES = (4, 2)
DEFAULT_DATE_UNITS = ("month", "year", "decade")
CATEGORY_LIMIT = 32  # a string column with at most this many distinct values is a category
_MAX_PREFIX_LEVELS = 5


@runtime_checkable
class Hierarchy(Protocol):
    """Generalization levels of one column, applied column-wise on Arrow data."""

    levels: int

    def apply(self, column: pa.ChunkedArray | pa.Array, level: int) -> pa.Array:
        """The column generalized to ``level`` (0 = as is), vectorised."""
        ...

    def describe(self, level: int) -> str:
        """A short description of ``level`` (``"bands of 10"``, ``"year"``, ``"*"``)."""
        ...


def default_hierarchy(
    arrow_type: pa.DataType, values: pa.ChunkedArray | pa.Array | None = None
) -> Hierarchy:
    """A sensible hierarchy for a column of ``arrow_type``, each ending in ``"*"``.

    Numbers: bands of 5, 10, 50 (with ``values``, widths w, 2w, 10w scaled to their range,
    w in 1, 2, 5 x 10^n). Dates and timestamps: month, year, decade. Strings: prefixes 4, 2
    (with ``values``: a category with at most 32 distinct values is only suppressed, and
    fixed-length codes such as postcodes drop characters from the end). Anything else: ``"*"``.
    """
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    t = pa.types
    if t.is_integer(arrow_type) or t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        widths = _scaled_widths(values) if values is not None else None
        return NumericBands(widths or DEFAULT_BAND_WIDTHS)
    if t.is_date(arrow_type) or t.is_timestamp(arrow_type):
        return DateLevels()
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        return _string_hierarchy(values) if values is not None else Prefix(DEFAULT_PREFIXES)
    return ValueMap([])


def _scaled_widths(values: pa.ChunkedArray | pa.Array) -> tuple[float, ...] | None:
    numbers = pc.cast(as_array(values), pa.float64())
    bounds = pc.min_max(pc.if_else(pc.is_finite(numbers), numbers, None))
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is None or high is None or high <= low:
        return None
    target = (high - low) / 20
    exponent = math.floor(math.log10(target))
    width = next(m * 10.0**exponent for m in (1, 2, 5, 10) if m * 10.0**exponent >= target)
    if pa.types.is_integer(values.type):
        width = max(width, 1.0)
    return (width, 2 * width, 10 * width)


def _string_hierarchy(values: pa.ChunkedArray | pa.Array) -> Hierarchy:
    distinct = pc.unique(as_array(values)).drop_null()
    if len(distinct) <= CATEGORY_LIMIT:
        return ValueMap([])
    lengths = pc.min_max(pc.utf8_length(distinct))
    shortest, longest = lengths["min"].as_py(), lengths["max"].as_py()
    if shortest != longest or longest < 2:
        return ValueMap([])
    if longest - 1 <= _MAX_PREFIX_LEVELS:
        return Prefix(list(range(longest - 1, 0, -1)))
    cuts = sorted({max(1, round(longest * f)) for f in (0.75, 0.5, 0.25)}, reverse=True)
    return Prefix(cuts)


_KEYS: dict[str, tuple[str, set[str]]] = {
    "bands": ("widths", set()),
    "dates": ("units", set()),
    "prefix": ("lengths", set()),
    "map": ("levels", {"names"}),
    "suppress": ("", set()),
}


def hierarchy_from_spec(spec: Mapping[str, Any]) -> Hierarchy:
    """Build a hierarchy from a policy spec.

    ``{"type": "bands", "widths": [5, 10]}``, ``{"type": "dates", "units": ["month", "year"]}``
    (units default to month, year, decade),
    ``{"type": "prefix", "lengths": [4, 2]}``, ``{"type": "map", "levels": [{...}, ...],
    "names": [...]}`` or ``{"type": "suppress"}``; any kind may add ``"full_suppression":
    false`` to drop the ``"*"`` top level. Raises ``InvalidSpec`` naming the bad key.
    """
    if not isinstance(spec, Mapping):
        raise InvalidSpec("type", "a hierarchy spec must be a mapping with a 'type'")
    kind = spec.get("type")
    if kind not in _KEYS:
        raise InvalidSpec("type", f"must be one of {sorted(_KEYS)}, got {kind!r}")
    main, optional = _KEYS[kind]
    allowed = {"type", *optional, *([main, "full_suppression"] if main else [])}
    for key in spec:
        if key not in allowed:
            raise InvalidSpec(str(key), f"unknown key for a '{kind}' hierarchy")
    if main and main not in spec and kind != "dates":
        raise InvalidSpec(main, f"is required for a '{kind}' hierarchy")
    full = spec.get("full_suppression", True)
    if not isinstance(full, bool):
        raise InvalidSpec("full_suppression", "must be true or false")
    if kind == "bands":
        return NumericBands(spec["widths"], full_suppression=full)
    if kind == "dates":
        return DateLevels(spec.get("units", DEFAULT_DATE_UNITS), full_suppression=full)
    if kind == "prefix":
        return Prefix(spec["lengths"], full_suppression=full)
    if kind == "map":
        return ValueMap(spec["levels"], names=spec.get("names"), full_suppression=full)
    return ValueMap([])
