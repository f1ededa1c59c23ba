"""Recognizer for Chinese person names; the rules live in
:mod:`anonymizers.recognizers.cn_name_rules` (shared with the bulk span finder)."""

from __future__ import annotations

from collections.abc import Iterable

from anonymizers.recognizers.base import RuleRecognizer
from anonymizers.recognizers.cn_name_rules import CUES, find_cn_names, jieba_tables, scored

__all__ = ["CUES", "CnPersonNameRecognizer", "find_cn_names"]


class CnPersonNameRecognizer(RuleRecognizer):
    """Chinese person names (entity ``CN_PERSON_NAME``) found with jieba and the surname list."""

    ENTITY = "CN_PERSON_NAME"
    CUES = tuple(CUES)

    def load(self) -> None:
        """Load jieba's dictionary (shipped in the wheel; no download)."""
        jieba_tables()

    def spans(self, text: str) -> Iterable[tuple[int, int, float]]:
        """Names in ``text``; scores reflect dictionary evidence and cue words, capped at
        0.85 so that an overlapping address (0.9) wins."""
        return scored(text, find_cn_names(text))
