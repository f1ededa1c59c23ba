"""Invisible characters that hide identifiers: zero-width and format characters, and
right-to-left overrides.

``138\\u200b1234\\u200b5678`` shows as a mobile number but no pattern matches it, and
``\\u202e8765432183 1`` shows reversed digits the right way round. Detection therefore looks
at what a reader sees:

* whole cells (classification, validators, masking of identifier columns) lose every
  invisible character (:func:`strip_column`, vectorised with ``pyarrow.compute``; the set is
  Unicode's format characters, category Cf, plus the other default-ignorable code points),
  and a cell holding a right-to-left override is read in display order
  (:func:`readable_column`);
* free text is scanned as it is and, when it holds invisible characters, also through its
  :func:`views` (the text stripped of them, and in the order it is displayed when it holds a
  right-to-left override), whose spans map back to the original offsets
  (:meth:`View.original`), so that replacing a span removes the invisible characters inside
  the identifier together with it. Only texts holding such characters pay for an offset map.

This module imports nothing from the rest of ``anonymizers``; the detectors call it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) beyond category Cf.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF),
)  # fmt: skip
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
_OVERRIDE_ENDS = frozenset("\u202c\u202d\n")  # pop directional formatting, LTR override


def _invisible_code_points() -> list[int]:
    # Format characters live in planes 0, 1 and 14 only.
    candidates = [*range(0x20000), *range(0xE0000, 0xE1000)]
    found = {c for c in candidates if unicodedata.category(chr(c)) == "Cf"}
    for low, high in _IGNORABLE_RANGES:
        found.update(range(low, high + 1))
    return sorted(found)


def _character_class(points: list[int]) -> str:
    """A ``[...]`` class of literal characters that Python's ``re`` and RE2 read alike."""
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    body = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return f"[{body}]"


_POINTS = _invisible_code_points()
INVISIBLE_CLASS = _character_class(_POINTS)
INVISIBLE_CHARACTERS = frozenset(map(chr, _POINTS))
_INVISIBLE = re.compile(INVISIBLE_CLASS)


def has_invisible(text: str) -> bool:
    """True when ``text`` holds a zero-width, format or other default-ignorable character."""
    return _INVISIBLE.search(text) is not None


def strip_invisible(text: str) -> str:
    """``text`` without its invisible characters."""
    return _INVISIBLE.sub("", text)


def _is_text(data_type: pa.DataType) -> bool:
    return bool(pa.types.is_string(data_type) or pa.types.is_large_string(data_type))


C = TypeVar("C", pa.Array, pa.ChunkedArray)


def strip_column(column: C) -> C:
    """A string column without invisible characters in any cell (other types, and columns
    with none, are returned as they are); vectorised (RE2 in ``pyarrow.compute``)."""
    if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
        if isinstance(column, pa.ChunkedArray):
            return pa.chunked_array([strip_column(c) for c in column.chunks], type=column.type)
        return pa.DictionaryArray.from_arrays(column.indices, strip_column(column.dictionary))
    if not _is_text(column.type) or len(column) == 0:
        return column
    if not pc.any(pc.match_substring_regex(column, INVISIBLE_CLASS)).as_py():
        return column
    stripped: C = pc.replace_substring_regex(column, INVISIBLE_CLASS, "")
    return stripped


def readable_column(column: C) -> C:
    """A string column as it reads: invisible characters dropped (:func:`strip_column`),
    and a cell holding a right-to-left override in its display order (only those cells
    are rebuilt in Python). For whole-cell classification and masking."""
    if not _is_text(column.type) or len(column) == 0:
        return strip_column(column)
    overridden = pc.fill_null(pc.match_substring(column, RIGHT_TO_LEFT_OVERRIDE), False)
    if not pc.any(overridden).as_py():
        return strip_column(column)
    shown = [displayed(v) if v and RIGHT_TO_LEFT_OVERRIDE in v else v for v in column.to_pylist()]
    result: C = strip_column(pa.array(shown, type=column.type))
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([result], type=column.type)
    return result


def displayed(text: str) -> str:
    """``text`` in display order without invisible characters."""
    return _visible(text, _display_order(text)).text


@dataclass(frozen=True)
class View:
    """A text as a reader sees it: ``text[i]`` is character ``origin[i]`` of the original."""

    text: str
    origin: tuple[int, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text covering view characters ``start:end`` (every
        invisible character between them included)."""
        covered = self.origin[start:end]
        return (min(covered), max(covered) + 1) if covered else (0, 0)


def _visible(text: str, order: Sequence[int]) -> View:
    kept = [i for i in order if text[i] not in INVISIBLE_CHARACTERS]
    return View("".join(text[i] for i in kept), tuple(kept))


def _display_order(text: str) -> list[int]:
    """Character positions in display order: each run after a right-to-left override, up to
    a pop, a left-to-right override or the end of the line, is reversed."""
    order: list[int] = []
    run: list[int] | None = None
    for index, char in enumerate(text):
        if char == RIGHT_TO_LEFT_OVERRIDE:
            order += reversed(run or [])
            run = []
        elif run is not None and char in _OVERRIDE_ENDS:
            order += [*reversed(run), index]
            run = None
        elif run is not None:
            run.append(index)
        else:
            order.append(index)
    return order + list(reversed(run or []))


def views(text: str) -> list[View]:
    """How ``text`` reads once its invisible characters are dropped: in stored order, and in
    display order when it holds a right-to-left override. Empty when it holds none."""
    if not has_invisible(text):
        return []
    found = [_visible(text, range(len(text)))]
    if RIGHT_TO_LEFT_OVERRIDE in text:
        found.append(_visible(text, _display_order(text)))
    return found


Hit = tuple[str, int, int, float]  # entity, start, end, score


def hidden_hits(
    texts: Sequence[str], scan: Callable[[list[str]], list[list[Hit]]]
) -> dict[str, list[Hit]]:
    """For each of ``texts`` holding invisible characters, the hits ``scan`` finds in its
    :func:`views`, in the original text's offsets (unresolved: overlaps are the caller's).
    One ``scan`` call for all views; a batch without invisible characters costs one search."""
    if not texts or _INVISIBLE.search("".join(texts)) is None:
        return {}
    owners = [(text, view) for text in dict.fromkeys(texts) for view in views(text) if view.text]
    if not owners:
        return {}
    found: dict[str, list[Hit]] = {text: [] for text, _ in owners}
    for (text, view), hits in zip(owners, scan([v.text for _, v in owners]), strict=True):
        for entity, start, end, score in hits:
            first, last = view.original(start, end)
            found[text].append((entity, first, last, score))
    return found
