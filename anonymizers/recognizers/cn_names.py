"""Recognizer for Chinese person names; the rules live in
:mod:`anonymizers.recognizers.cn_name_rules` (shared with the bulk span finder)."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from anonymizers.recognizers.base import DEFAULT_LANGUAGE
from anonymizers.recognizers.cn_name_rules import CUES, find_cn_names, jieba_tables, scored

__all__ = ["CUES", "CnPersonNameRecognizer", "find_cn_names"]


class CnPersonNameRecognizer(EntityRecognizer):
    """Chinese person names (entity ``CN_PERSON_NAME``) found with jieba and the surname list."""

    ENTITY = "CN_PERSON_NAME"

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Register for one language; jieba is loaded on first use."""
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language=supported_language,
            context=list(CUES),
        )

    def load(self) -> None:
        """Load jieba's dictionary (shipped in the wheel; no download)."""
        jieba_tables()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find Chinese names in ``text``; scores reflect dictionary evidence and cue words.

        Scores are capped at 0.85 so that an overlapping address (0.9) wins.
        """
        return [
            RecognizerResult(self.ENTITY, s, e, score)
            for s, e, score in scored(text, find_cn_names(text))
        ]
