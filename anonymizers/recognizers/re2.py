"""RE2 prefilters for the bulk span finder: which texts of a column may hold a match.

:func:`relaxed` turns a Python regex of the specs into an RE2 regex (``pyarrow.compute``)
that matches every text the original matches; :func:`candidates` runs one over a column in
C++. Presidio-free; pyarrow is imported only when a prefilter runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_SINGLE_CLASS = re.compile(r"\(\?(<?)([=!])(\[(?:\\.|[^\]\\])+\])\)")


def _skip_class(pattern: str, start: int) -> int:
    """Index just past the character class that opens at ``pattern[start]``."""
    i = start + 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i + 1
        i += 1
    raise ValueError(f"unterminated class in {pattern!r}")


def _skip_group(pattern: str, start: int) -> int:
    """Index just past the group that opens at ``pattern[start]`` (escapes and classes aware)."""
    depth, i = 0, start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _skip_class(pattern, i)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        i += 1
        if depth == 0:
            return i
    raise ValueError(f"unbalanced group in {pattern!r}")


def _lookaround(group: str) -> str:
    """An RE2 stand-in for one lookaround group: a one-character class becomes a consuming
    test that holds wherever the lookaround holds (``(?<![0-9])`` → ``(?:^|[^0-9])``); any
    other lookaround is dropped (taken as true)."""
    match = _SINGLE_CLASS.fullmatch(group)
    if match is None:
        return ""
    behind, kind, cls = match.groups()
    if kind == "=":
        return cls
    inverse = f"[{cls[2:-1]}]" if cls.startswith("[^") else f"[^{cls[1:-1]}]"
    return f"(?:^|{inverse})" if behind else f"(?:$|{inverse})"


def relaxed(pattern: str) -> str:
    """An RE2 regex that matches every text ``pattern`` matches (and maybe a few more).

    One-character-class lookarounds become consuming tests (exact for "does the text
    match"); other lookarounds are dropped and backreferences become ``.*``. The rest of the
    syntax the specs use (classes, counted repeats, non-capturing groups) means the same in
    ``re`` and RE2.
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if _LOOKAROUND.match(pattern, i):
            end = _skip_group(pattern, i)
            out.append(_lookaround(pattern[i:end]))
            i = end
        elif pattern[i] == "\\" and pattern[i + 1 : i + 2] in tuple("123456789"):
            out.append("(?s:.*)")
            i += 2
        elif pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif pattern[i] == "[":
            end = _skip_class(pattern, i)
            out.append(pattern[i:end])
            i = end
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def any_of(patterns: Sequence[str], case_sensitive: bool = True) -> str:
    """One RE2 regex matching what any of ``patterns`` (relaxed) matches."""
    joined = "|".join(f"(?:{relaxed(p)})" for p in patterns)
    return joined if case_sensitive else f"(?i:{joined})"


def column(texts: Sequence[str]) -> Any:
    """``texts`` as an Arrow array for :func:`candidates`."""
    from anonymizers.arrow_strings import string_array

    return string_array(texts, large=True)


def candidates(texts: Any, pattern: str) -> list[int]:
    """Indices of the texts of an Arrow string array that match the RE2 ``pattern``."""
    import pyarrow.compute as pc

    found: list[int] = pc.indices_nonzero(pc.match_substring_regex(texts, pattern)).to_pylist()
    return found


def matches_any(texts: Any, pattern: str) -> bool:
    """True when some text of an Arrow string array matches the RE2 ``pattern``."""
    import pyarrow.compute as pc

    return bool(pc.any(pc.match_substring_regex(texts, pattern)).as_py())
