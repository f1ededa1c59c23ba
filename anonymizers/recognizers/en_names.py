"""Recognizer for English person names; the rules live in
:mod:`anonymizers.recognizers.en_name_rules` (shared with the bulk span finder)."""

from __future__ import annotations

from collections.abc import Iterable

from anonymizers.recognizers.base import RuleRecognizer
from anonymizers.recognizers.en_name_rules import CUES, find_en_names

__all__ = ["CUES", "EnPersonNameRecognizer", "find_en_names"]


class EnPersonNameRecognizer(RuleRecognizer):
    """English person names (entity ``PERSON``) from capitalised words and name lists."""

    ENTITY = "PERSON"
    CUES = tuple(CUES)

    def spans(self, text: str) -> Iterable[tuple[int, int, float]]:
        """Names in ``text`` with their scores."""
        return find_en_names(text)
