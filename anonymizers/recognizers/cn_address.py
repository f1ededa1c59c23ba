"""Recognizer for Chinese street addresses; the rules live in
:mod:`anonymizers.recognizers.address_rules` (shared with the bulk span finder)."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from anonymizers.recognizers.address_rules import BASE_SCORE, CUES, find_addresses
from anonymizers.recognizers.base import DEFAULT_LANGUAGE, context_score

__all__ = ["CUES", "CnAddressRecognizer", "find_addresses"]


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
            RecognizerResult(
                self.ENTITY, start, end, context_score(text, start, end, BASE_SCORE, CUES)
            )
            for start, end in find_addresses(text)
        ]
