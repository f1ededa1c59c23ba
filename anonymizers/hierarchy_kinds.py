"""The generalization hierarchies of k-anonymity: numeric bands, prefixes, taxonomies (dates
are in ``anonymizers.hierarchy_dates``).

Level 0 is the value as it is; each level above is coarser than the one below (every class of
level ``i`` lies inside one class of level ``i + 1``); with ``full_suppression`` (the default)
the top level turns every value, null included, into ``"*"``. Below that level a null stays
null, so nulls form an equivalence class of their own. Levels above 0 give strings. Everything
is column-wise on Arrow; no Python runs per row.
"""

from __future__ import annotations

import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from anonymizers.operators._arrow import plain

STAR = "*"
_ROUND_DIGITS = 9


class InvalidSpec(ValueError):
    """A hierarchy that cannot be built; ``key`` names the offending key of its spec."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"hierarchy '{key}': {message}")
        self.key = key


def as_array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One contiguous, non-dictionary array."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return plain(column)


class LevelHierarchy(ABC):
    """Shared part of the hierarchies: level checks, level 0 as is, the ``"*"`` top level."""

    def __init__(self, steps: int, full_suppression: bool) -> None:
        self.steps = steps
        self.full_suppression = full_suppression
        self.levels = steps + int(full_suppression)

    def apply(self, column: pa.ChunkedArray | pa.Array, level: int) -> pa.Array:
        """Generalize ``column`` to ``level`` (0 = as is)."""
        self._check(level)
        values = as_array(column)
        if level == 0:
            return values
        if level > self.steps:
            return pa.repeat(STAR, len(values))
        return self._step(values, level)

    def describe(self, level: int) -> str:
        """A short human description of ``level``: ``"as is"``, ``"year"``, ``"*"``, ..."""
        self._check(level)
        if level == 0:
            return "as is"
        return STAR if level > self.steps else self._describe_step(level)

    def _check(self, level: int) -> None:
        if not 0 <= level <= self.levels:
            raise ValueError(f"level {level} is outside 0..{self.levels}")

    @abstractmethod
    def _step(self, values: pa.Array, level: int) -> pa.Array:
        """``values`` generalized to ``level`` (1..steps)."""

    @abstractmethod
    def _describe_step(self, level: int) -> str:
        """The description of ``level`` (1..steps)."""


class NumericBands(LevelHierarchy):
    """Numbers to half-open bands ``"[30, 40)"`` anchored at 0; level ``i`` uses ``widths[i-1]``.

    Each width must be a whole multiple (at least twice) of the one before, so bands nest.
    Numeric strings are parsed; NaN and infinities become null.
    """

    def __init__(self, widths: Sequence[float], *, full_suppression: bool = True) -> None:
        self.widths = _checked_widths(widths)
        super().__init__(len(self.widths), full_suppression)

    def _step(self, values: pa.Array, level: int) -> pa.Array:
        width = self.widths[level - 1]
        try:
            numbers = pc.cast(values, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"numeric bands need numbers, got {values.type}") from exc
        finite = pc.if_else(pc.is_finite(numbers), numbers, pa.scalar(None, pa.float64()))
        low = pc.multiply(pc.floor(pc.divide(finite, width)), width)
        high = pc.add(low, width)
        low_text, high_text = (
            pc.cast(pc.round(x, _ROUND_DIGITS), pa.string()) for x in (low, high)
        )
        return pc.binary_join_element_wise("[", low_text, ", ", high_text, ")", "")

    def _describe_step(self, level: int) -> str:
        return f"bands of {self.widths[level - 1]:g}"


def _checked_widths(widths: Sequence[float]) -> tuple[float, ...]:
    if isinstance(widths, str | bytes) or not isinstance(widths, Sequence):
        raise InvalidSpec("widths", "must be a list of positive numbers")
    if any(isinstance(w, bool) or not isinstance(w, int | float) for w in widths):
        raise InvalidSpec("widths", "must be a list of positive numbers")
    checked = tuple(float(w) for w in widths)
    if any(not math.isfinite(w) or w <= 0 for w in checked):
        raise InvalidSpec("widths", "every width must be a positive finite number")
    for smaller, larger in itertools.pairwise(checked):
        ratio = larger / smaller
        if ratio < 2 - 1e-9 or abs(ratio - round(ratio)) > 1e-9:
            raise InvalidSpec("widths", f"{larger:g} is not a multiple (x2 or more) of {smaller:g}")
    return checked


class Prefix(LevelHierarchy):
    """Strings (postcodes, codes) to their first ``lengths[i-1]`` characters + ``"*"``;
    lengths strictly decreasing. Non-string values are cast to strings first."""

    def __init__(self, lengths: Sequence[int], *, full_suppression: bool = True) -> None:
        if isinstance(lengths, str) or not isinstance(lengths, Sequence):
            raise InvalidSpec("lengths", "must be a list of positive integers")
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in lengths):
            raise InvalidSpec("lengths", "must be a list of positive integers")
        if any(a <= b for a, b in itertools.pairwise(lengths)):
            raise InvalidSpec("lengths", "must be strictly decreasing (each level coarser)")
        self.lengths = tuple(lengths)
        super().__init__(len(self.lengths), full_suppression)

    def _step(self, values: pa.Array, level: int) -> pa.Array:
        text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
        kept = pc.utf8_slice_codeunits(text, 0, self.lengths[level - 1])
        return pc.binary_join_element_wise(kept, STAR, "")

    def _describe_step(self, level: int) -> str:
        return f"prefix {self.lengths[level - 1]}"


class ValueMap(LevelHierarchy):
    """An explicit taxonomy: ``levels[0]`` maps raw values up one level (district -> city),
    ``levels[1]`` maps those up again (city -> province), and so on. A value missing from a
    mapping is kept as it is at that level. ``names`` describe the levels (default
    ``"map level i"``). ``ValueMap([])`` is plain suppression: one level, ``"*"``."""

    def __init__(
        self,
        levels: Sequence[Mapping[str, str]],
        *,
        names: Sequence[str] | None = None,
        full_suppression: bool = True,
    ) -> None:
        if isinstance(levels, str) or not isinstance(levels, Sequence):
            raise InvalidSpec("levels", "must be a list of mappings")
        for mapping in levels:
            if not isinstance(mapping, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
            ):
                raise InvalidSpec("levels", "each level must map strings to strings")
        if names is not None and (
            isinstance(names, str)
            or len(names) != len(levels)
            or not all(isinstance(n, str) for n in names)
        ):
            raise InvalidSpec("names", "must be one string per level")
        self.mappings = [
            (pa.array(list(m), pa.string()), pa.array(list(m.values()), pa.string()))
            for m in levels
        ]
        self.names = tuple(names) if names is not None else None
        super().__init__(len(self.mappings), full_suppression)

    def _step(self, values: pa.Array, level: int) -> pa.Array:
        text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
        for keys, targets in self.mappings[:level]:
            found = pc.index_in(text, value_set=keys)
            text = pc.if_else(pc.is_null(found), text, pc.take(targets, found))
        return text

    def _describe_step(self, level: int) -> str:
        return self.names[level - 1] if self.names else f"map level {level}"
