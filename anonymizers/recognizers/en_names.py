"""Recognizer for English person names; the rules live in
:mod:`anonymizers.recognizers.en_name_rules` (shared with the bulk span finder)."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from anonymizers.recognizers.base import DEFAULT_LANGUAGE
from anonymizers.recognizers.en_name_rules import CUES, find_en_names

__all__ = ["CUES", "EnPersonNameRecognizer", "find_en_names"]


class EnPersonNameRecognizer(EntityRecognizer):
    """English person names (entity ``PERSON``) from capitalised words and name lists."""

    ENTITY = "PERSON"

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Register for one language."""
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language=supported_language,
            context=list(CUES),
        )

    def load(self) -> None:
        """Nothing to load: the name lists are module constants."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find English names in ``text``."""
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in find_en_names(text)]
