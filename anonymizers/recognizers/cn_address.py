"""Chinese addresses in free text: a province/city/district name followed by street-level
detail (road, lane, village, building, number ...) up to the next space or punctuation.

The span starts at the first place name and ends at the last house-number marker that
follows a digit, letter or Chinese numeral (``88号``, ``R座``, ``602室``), or else at the last
road-level marker (``路``, ``街``, ``村`` ...). Place names come from ``cpca``'s data file.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from anonymizers.recognizers.base import DEFAULT_LANGUAGE, context_score
from anonymizers.recognizers.places import find_place
from anonymizers.recognizers.text_rules import CJK

CUES = ("地址", "住址", "居住", "住在", "家住", "位于", "户籍", "寄往", "送至", "address")
MAX_DETAIL = 40
_BODY = re.compile(rf"[{CJK}0-9A-Za-z\-#()（）]+")
_NUMBER_MARK = re.compile(
    r"(?<=[0-9A-Za-z一二三四五六七八九十百零〇])(?:号|室|弄|栋|座|幢|楼|层|单元|户)"
)
_ROAD_MARK = re.compile(r"路|街|道|巷|胡同|村|镇|乡|大厦|小区|花园|广场|园区|公寓")


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


class CnAddressRecognizer(EntityRecognizer):
    """Chinese street addresses (entity ``CN_ADDRESS``)."""

    ENTITY = "CN_ADDRESS"

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Register for one language."""
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language=supported_language,
            context=list(CUES),
        )

    def load(self) -> None:
        """Nothing to load eagerly: place names are read on first use."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find Chinese addresses in ``text``."""
        return [
            RecognizerResult(self.ENTITY, start, end, context_score(text, start, end, 0.9, CUES))
            for start, end in find_addresses(text)
        ]
