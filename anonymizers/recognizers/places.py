"""Chinese administrative place names, loaded once from the data file shipped with ``cpca``.

Only the CSV shipped inside the ``cpca`` wheel is read (``cpca`` itself, which imports pandas,
is never imported). Full names of provinces, prefecture cities and counties are kept, plus
short forms (``广东``, ``深圳``) of provinces and prefecture-level cities.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from functools import cache
from pathlib import Path

from anonymizers.recognizers.lexicon import words

PROVINCE_SHORT_NAMES: frozenset[str] = words(
    "北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门"
)
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
_CITY_SUFFIX = re.compile(r"(?:地区|盟|市)$")


def _adcodes_path() -> Path | None:
    """Locate ``cpca/resources/adcodes.csv`` without importing ``cpca``."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    return path if path.is_file() else None


def _short_city(name: str) -> str | None:
    """Return the short form of a prefecture-level name, or None when it would be too short."""
    short = _CITY_SUFFIX.sub("", name)
    return short if short != name and len(short) >= 2 else None


@cache
def place_names() -> frozenset[str]:
    """All known place names (full names plus short province and city names)."""
    names: set[str] = set(PROVINCE_SHORT_NAMES)
    path = _adcodes_path()
    if path is None:
        return frozenset(names)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name, code = row["name"], row["adcode"]
            if name in _PLACEHOLDERS or name.endswith(("区划", "区域")) or len(name) < 2:
                continue
            names.add(name)
            if code[4:6] == "00" and code[2:4] != "00":
                short = _short_city(name)
                if short:
                    names.add(short)
    return frozenset(names)


@cache
def _lengths_by_prefix() -> dict[str, tuple[int, ...]]:
    """Two-character prefix → the lengths of the place names starting with it, longest first."""
    index: dict[str, set[int]] = {}
    for name in place_names():
        index.setdefault(name[:2], set()).add(len(name))
    return {prefix: tuple(sorted(lengths, reverse=True)) for prefix, lengths in index.items()}


@cache
def _first_chars() -> re.Pattern[str]:
    """A character class of the first characters of place names (a sixth of Chinese text)."""
    return re.compile(f"[{''.join(sorted(re.escape(name[0]) for name in place_names()))}]")


def find_place(text: str, start: int = 0) -> tuple[int, int] | None:
    """Find the first (longest at its position) place name in ``text``; return (start, end)."""
    names, index = place_names(), _lengths_by_prefix()
    for first in _first_chars().finditer(text, start, len(text) - 1):
        i = first.start()
        for length in index.get(text[i : i + 2], ()):
            if text[i : i + length] in names:
                return i, i + length
    return None
