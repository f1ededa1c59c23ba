"""Chinese addresses in free text (presidio-free): a province/city/district name followed by
street-level detail (road, lane, village, building, number ...) up to the next space or
punctuation.

The span starts at the first place name and ends at the last house-number marker that
follows a digit, letter or Chinese numeral (``88号``, ``R座``, ``602室``), or else at the last
road-level marker (``路``, ``街``, ``村`` ...). Place names come from ``cpca``'s data file.
Shared by :class:`~anonymizers.recognizers.cn_address.CnAddressRecognizer` and
:mod:`anonymizers.fast_spans`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache

from anonymizers.recognizers.places import find_place
from anonymizers.recognizers.spec import CONTEXT_BOOST, Batch, Hit, cue_near, cue_regex
from anonymizers.recognizers.text_rules import CJK

CUES = ("地址", "住址", "居住", "住在", "家住", "位于", "户籍", "寄往", "送至", "address")
BASE_SCORE = 0.9
MAX_DETAIL = 40
NUMBER_MARKS = "号|室|弄|栋|座|幢|楼|层|单元|户"
ROAD_MARKS = "路|街|道|巷|胡同|村|镇|乡|大厦|小区|花园|广场|园区|公寓"
# A text holds an address only if it holds one of these marks (also an RE2 prefilter).
ADDRESS_PREFILTER = f"{NUMBER_MARKS}|{ROAD_MARKS}"
_ANY_MARK = re.compile(ADDRESS_PREFILTER)
_BODY = re.compile(rf"[{CJK}0-9A-Za-z\-#()（）]+")
_NUMBER_MARK = re.compile(rf"(?<=[0-9A-Za-z一二三四五六七八九十百零〇])(?:{NUMBER_MARKS})")
_ROAD_MARK = re.compile(ROAD_MARKS)


def _end_of_address(text: str, start: int, limit: int) -> int | None:
    """End offset of the street-level detail in ``text[start:limit]``, or None."""
    numbers = [m.end() for m in _NUMBER_MARK.finditer(text, start, limit)]
    if numbers:
        return numbers[-1]
    roads = [m.end() for m in _ROAD_MARK.finditer(text, start, limit)]
    return roads[-1] if roads else None


def find_addresses(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the Chinese addresses in ``text``."""
    spans: list[tuple[int, int]] = []
    position = 0
    while (place := find_place(text, position)) is not None:
        start, place_end = place
        body = _BODY.match(text, start)
        limit = min(body.end() if body else place_end, place_end + MAX_DETAIL)
        end = _end_of_address(text, place_end, limit)
        if end is None:
            position = place_end
            continue
        spans.append((start, end))
        position = end
    return spans


def address_hits(batch: Batch) -> list[Hit]:
    """The Chinese addresses in every text of ``batch`` holding a road or number mark,
    scored ``BASE_SCORE`` raised by a nearby cue word."""
    found: list[Hit] = []
    texts, starts, ends = batch.texts, batch.starts, batch.ends
    cues = cue_regex(CUES)
    position = 0
    while (mark := _ANY_MARK.search(batch.text, position)) is not None:
        index = bisect_right(starts, mark.start()) - 1
        text = texts[index]
        found += [
            (index, s, e, _score(cue_near(cues, text, s, e, 0, len(text))))
            for s, e in find_addresses(text)
        ]
        position = ends[index] + 1
    return found


@cache
def _score(near: bool) -> float:
    """The score of :func:`~anonymizers.recognizers.spec.context_score` for an address."""
    return round(min(1.0, BASE_SCORE + CONTEXT_BOOST * near), 4)
