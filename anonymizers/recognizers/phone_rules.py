"""Phone-number validation: ``phonenumbers``' verdict, with quick paths for the common US and
mainland shapes that skip ``parse`` (its costly part) and give the same answers.

Pure functions without presidio; re-exported by :mod:`anonymizers.recognizers.intl_rules`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import phonenumbers

PHONE_REGIONS: tuple[str, ...] = ("CN", "US", "GB", "HK", "MO")

_PHONE_RE = re.compile(r"\+?[0-9()\s.\-]{6,24}(?:\s*(?:x|ext\.?|#|转|分机号?)\s*[0-9]{1,6})?", re.I)
# A Chinese extension (``020-83331234转806``, ``分机 806``), rewritten as ``parse`` reads them.
_CN_EXT = re.compile(r"\s*(?:转|分机号?)\s*([0-9]{1,6})$")
_EXT_TAIL = re.compile(r"\s*(?:x|ext\.?|#)\s*[0-9]{1,6}$", re.I)  # as ``parse`` reads them
# Characters without which the two extension regexes cannot match (a cheap test first).
_CN_EXT_MARKS = frozenset("转分")
_EXT_MARKS = frozenset("xX#")
_QUICK_SHAPES = (
    ("US", 1, re.compile(r"\(?([2-9][0-9]{2})\)?[\s.\-]?([2-9][0-9]{2})[\s.\-]?([0-9]{4})")),
    ("CN", 86, re.compile(r"\(?0([1-9][0-9]{1,2})\)?[\s\-]?([2-9][0-9]{6,7})")),
)
_PLUS_ONE = re.compile(r"\+1[\s.\-]?(?=\(?[2-9])")


def _quick_valid(value: str, regions: tuple[str, ...]) -> bool:
    """True when ``value`` (extension cut off) is shaped like a national number of one of
    ``regions`` for which a quick check exists (US ``(212) 355-1234``, CN ``010-62345678``) and
    ``phonenumbers`` says it is valid for that region.

    This skips ``phonenumbers.parse`` (the costly part): the national number is the digits
    (after the trunk ``0`` for CN), which is what ``parse`` finds for these shapes, and being
    valid for the region a number was parsed for implies ``is_valid_number``. False means
    "not settled here", not "invalid".
    """
    core = _EXT_TAIL.sub("", value) if not _EXT_MARKS.isdisjoint(value) else value
    for region, _, shape in _QUICK_SHAPES:
        match = shape.fullmatch(core)
        if match and region in regions:
            return _valid_for_region(str(int("".join(match.groups()))), region)
    return False


def _quick_nanp(value: str) -> bool:
    """True when ``value`` is ``+1`` and a US-shaped number valid in the US: ``parse`` then
    reads the same national number, and ``is_valid_number`` tries the US first (it has no
    leading-digit rule). False means "not settled here"."""
    match = _PLUS_ONE.match(value)
    return match is not None and _quick_valid(value[match.end() :], ("US",))


NumberDesc = tuple[frozenset[int], re.Pattern[str]]
_TYPE_DESCS = (  # the common types first: only whether one matches counts
    "fixed_line", "mobile", "premium_rate", "toll_free", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


@cache
def _region_descs(region: str) -> tuple[NumberDesc | None, tuple[NumberDesc, ...]]:
    """``phonenumbers``' metadata of ``region``: its general description and those of every
    number type, as (possible lengths, compiled national-number pattern)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None, ()

    def described(desc: Any) -> NumberDesc | None:
        pattern = getattr(desc, "national_number_pattern", None)
        if not pattern:
            return None
        return frozenset(desc.possible_length or ()), re.compile(pattern)

    types = [described(getattr(metadata, name, None)) for name in _TYPE_DESCS]
    return described(metadata.general_desc), tuple(t for t in types if t is not None)


def _matches(national: str, desc: NumberDesc | None) -> bool:
    """``phonenumbers``' ``_is_number_matching_desc`` (lengths, then a full match)."""
    if desc is None:
        return False
    lengths, pattern = desc
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


def _valid_for_region(national: str, region: str) -> bool:
    """``phonenumbers.is_valid_number_for_region`` for a national significant number of
    ``region`` (it matches the general description and that of some number type), without
    the library's per-call overhead."""
    general, types = _region_descs(region)
    return _matches(national, general) and any(_matches(national, t) for t in types)


def phone_number(value: str, regions: tuple[str, ...] = PHONE_REGIONS) -> bool:
    """Valid phone number per ``phonenumbers``: international (``+``/``00``) or national
    in one of ``regions`` (CN, US, GB, HK, MO by default); extensions are allowed."""
    v = value.strip()
    if not _PHONE_RE.fullmatch(v) or sum(map(str.isdigit, v)) < 7:
        return False
    if v.startswith("00"):
        v = "+" + v[2:]
    if not _CN_EXT_MARKS.isdisjoint(v):
        v = _CN_EXT.sub(r" ext. \1", v)
    if _quick_valid(v, regions) if not v.startswith("+") else _quick_nanp(v):
        return True
    for region in (None,) if v.startswith("+") else regions:
        try:
            number = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False
