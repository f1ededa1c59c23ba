"""Heuristic whole-value checks for person names and Chinese addresses.

Pure functions without presidio; re-exported by :mod:`anonymizers.validators`.
"""

from __future__ import annotations

import re

from anonymizers.recognizers.lexicon import (
    CN_COMPOUND_SURNAMES,
    CN_SURNAMES,
    EN_GIVEN_NAMES,
    EN_SURNAMES,
)
from anonymizers.recognizers.places import find_place

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
NAME_DOTS = "·•・．"
_HAN_NAME = re.compile(f"[{CJK}]{{2,4}}")
_MINORITY_NAME = re.compile(f"[{CJK}]{{1,8}}(?:[{NAME_DOTS}][{CJK}]{{1,8}}){{1,3}}")
NOT_NAME_END = frozenset("省市区县路街道镇村乡号楼室局厅部院所司厂行馆站店会队科处人")
EN_TOKEN = re.compile(r"[A-Z][a-z]*(?:[A-Z][a-z]+)?(?:['’\-][A-Z]?[a-z]+)*")
_INITIAL = re.compile(r"[A-Z]\.?")
EN_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"})
EN_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "md", "dds", "phd", "dvm", "esq"})
_NO_APOSTROPHES = str.maketrans("", "", "'’")
ADDRESS_MARKER = re.compile(
    r"[路街道巷号弄村镇栋室座幢楼里乡组]|胡同|大厦|小区|单元|花园|广场|园区|公寓"
)


def cn_surname_length(text: str) -> int:
    """Length (2, 1 or 0) of the common Chinese surname that ``text`` starts with."""
    if text[:2] in CN_COMPOUND_SURNAMES:
        return 2
    return 1 if text[:1] in CN_SURNAMES else 0


def cn_person_name(value: str) -> bool:
    """Chinese person name: 2-4 CJK chars starting with a common surname (single or compound),
    not ending in a place/organisation suffix; or a dotted minority name (``买买提·艾力``)."""
    v = value.strip()
    if _MINORITY_NAME.fullmatch(v):
        return len(v) <= 20
    if not _HAN_NAME.fullmatch(v) or v[-1] in NOT_NAME_END:
        return False
    surname = cn_surname_length(v)
    return surname > 0 and len(v) > surname


def _strip_affixes(tokens: list[str]) -> list[str]:
    """Drop a leading title (``Dr.``) and a trailing suffix (``Jr.``, ``MD``)."""
    if tokens and tokens[0].rstrip(".").lower() in EN_TITLES:
        tokens = tokens[1:]
    if len(tokens) > 2 and tokens[-1].rstrip(".").lower() in EN_SUFFIXES:
        tokens = tokens[:-1]
        tokens[-1] = tokens[-1].rstrip(",")
    return tokens


def en_name_key(token: str) -> str:
    """Lexicon key of a name token: lower case without apostrophes (``O'Brien`` → obrien)."""
    return token.translate(_NO_APOSTROPHES).lower()


def en_person_name(value: str) -> bool:
    """English person name: 2-3 capitalised words (optional title, suffix, middle initial)
    whose first word is a common given name or last word a common surname."""
    tokens = _strip_affixes(value.split())
    if not 2 <= len(tokens) <= 3:
        return False
    first, last, middle = tokens[0], tokens[-1], tokens[1:-1]
    if (
        not (EN_TOKEN.fullmatch(first) and EN_TOKEN.fullmatch(last))
        or min(len(first), len(last)) < 2
    ):
        return False
    if any(not (EN_TOKEN.fullmatch(t) or _INITIAL.fullmatch(t)) for t in middle):
        return False
    return en_name_key(first) in EN_GIVEN_NAMES or en_name_key(last) in EN_SURNAMES


def cn_address(value: str) -> bool:
    """Chinese address: a province/city/district name followed by a street-level marker
    (路, 街, 道, 巷, 号, 弄, 村, 镇, 栋, 室, 座, 楼, 小区 ...); at most 120 characters."""
    v = value.strip()
    if not 4 <= len(v) <= 120 or not ADDRESS_MARKER.search(v):
        return False
    place = find_place(v)
    return place is not None and ADDRESS_MARKER.search(v, place[1]) is not None
