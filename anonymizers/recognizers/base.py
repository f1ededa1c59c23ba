"""Shared machinery: validated pattern recognizers and character-window context scoring.

Presidio's own context enhancer needs tokens and lemmas from an NLP model; Pazhou runs
without one by default and its texts mix Chinese and English, so context is scored here by
looking for cue words within a few characters around each match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

DEFAULT_LANGUAGE = "zh"
CONTEXT_BOOST = 0.35
CONTEXT_BEFORE = 16
CONTEXT_AFTER = 6
# Left/right guards that work next to CJK characters, unlike ``\b``.
L = r"(?<![0-9A-Za-z])"  # not preceded by a letter or digit
R = r"(?![0-9A-Za-z])"  # not followed by a letter or digit


def has_context(text: str, start: int, end: int, words: Sequence[str]) -> bool:
    """True when one of ``words`` (case-insensitive) occurs just before or after the span."""
    if not words:
        return False
    before = text[max(0, start - CONTEXT_BEFORE) : start].lower()
    after = text[end : end + CONTEXT_AFTER].lower()
    return any(word in before or word in after for word in words)


def context_score(text: str, start: int, end: int, base: float, words: Sequence[str]) -> float:
    """``base`` raised by ``CONTEXT_BOOST`` (capped at 1.0) when a cue word is near the span."""
    boost = CONTEXT_BOOST if has_context(text, start, end, words) else 0.0
    return round(min(1.0, base + boost), 4)


class ValidatedPatternRecognizer(PatternRecognizer):
    """A pattern recognizer whose matches must pass a whole-value validator.

    Subclasses set ``ENTITY``, ``PATTERNS`` (name, regex, base score), ``CONTEXT`` (cue words,
    Chinese and English, lower case) and implement :meth:`check`. A match that fails ``check``
    is dropped; a valid one scores its pattern's base score, boosted by nearby context and
    capped at ``SCORE_CAP`` (so that a generic entity never beats a specific one).
    """

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    CASE_SENSITIVE: ClassVar[bool] = True
    SCORE_CAP: ClassVar[float] = 1.0
    PREFILTER: ClassVar[re.Pattern[str] | None] = None  # cheap test: may the text match?

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Build the presidio patterns; regexes are case-sensitive unless stated otherwise."""
        flags = int(re.DOTALL | re.MULTILINE)  # same bit values in the ``regex`` module
        if not self.CASE_SENSITIVE:
            flags |= int(re.IGNORECASE)
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            supported_language=supported_language,
            patterns=[Pattern(name, rx, score) for name, rx, score in self.PATTERNS],
            context=list(self.CONTEXT),
            global_regex_flags=flags,
        )

    def check(self, value: str) -> bool:
        """Whole-value validation of a matched string."""
        raise NotImplementedError

    def validate_result(self, pattern_text: str) -> bool:
        """Presidio hook: keep a match only when :meth:`check` accepts it."""
        return self.check(pattern_text)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Run the patterns, then score each valid match by pattern strength and context."""
        if self.PREFILTER is not None and not self.PREFILTER.search(text):
            return []
        results: list[RecognizerResult] = super().analyze(
            text, entities, nlp_artifacts, regex_flags
        )
        for result in results:
            explanation = result.analysis_explanation
            base = explanation.original_score if explanation else result.score
            score = context_score(text, result.start, result.end, base, self.CONTEXT)
            result.score = min(score, self.SCORE_CAP)
            if explanation:
                explanation.score = result.score
        return results
