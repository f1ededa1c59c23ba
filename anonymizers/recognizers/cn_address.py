"""Recognizer for Chinese street addresses; the rules live in
:mod:`anonymizers.recognizers.address_rules` (shared with the bulk span finder)."""

from __future__ import annotations

from collections.abc import Iterator

from anonymizers.recognizers.address_rules import BASE_SCORE, CUES, find_addresses
from anonymizers.recognizers.base import RuleRecognizer, context_score

__all__ = ["CUES", "CnAddressRecognizer", "find_addresses"]


class CnAddressRecognizer(RuleRecognizer):
    """Chinese street addresses (entity ``CN_ADDRESS``); place names are read on first use."""

    ENTITY = "CN_ADDRESS"
    CUES = tuple(CUES)

    def spans(self, text: str) -> Iterator[tuple[int, int, float]]:
        """Addresses in ``text``, scored up by nearby cue words."""
        for start, end in find_addresses(text):
            yield start, end, context_score(text, start, end, BASE_SCORE, CUES)
