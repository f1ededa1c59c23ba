"""Shared machinery: presidio pattern recognizers built from :class:`PatternSpec` definitions.

Presidio's own context enhancer needs tokens and lemmas from an NLP model; Pazhou runs
without one by default and its texts mix Chinese and English, so context is scored by
:func:`anonymizers.recognizers.spec.context_score` (cue words within a few characters).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from anonymizers.recognizers.spec import (
    CONTEXT_AFTER,
    CONTEXT_BEFORE,
    CONTEXT_BOOST,
    L,
    PatternSpec,
    R,
    context_score,
    has_context,
)

__all__ = [
    "CONTEXT_AFTER",
    "CONTEXT_BEFORE",
    "CONTEXT_BOOST",
    "DEFAULT_LANGUAGE",
    "L",
    "R",
    "RuleRecognizer",
    "ValidatedPatternRecognizer",
    "context_score",
    "has_context",
]

DEFAULT_LANGUAGE = "zh"


class ValidatedPatternRecognizer(PatternRecognizer):
    """A pattern recognizer built from a :class:`PatternSpec` (``SPEC``).

    A match that fails the spec's validator is dropped; a valid one scores its pattern's base
    score, boosted by nearby context and capped at the spec's ``score_cap``. ``ENTITY``,
    ``PATTERNS`` and ``CONTEXT`` mirror the spec for callers that read them.
    """

    SPEC: ClassVar[PatternSpec]
    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    CONTEXT: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Copy the spec's entity, patterns and context words onto the class."""
        super().__init_subclass__(**kwargs)
        cls.ENTITY, cls.PATTERNS, cls.CONTEXT = cls.SPEC.entity, cls.SPEC.patterns, cls.SPEC.context

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Build the presidio patterns with the spec's flags."""
        super().__init__(
            supported_entity=self.SPEC.entity,
            name=type(self).__name__,
            supported_language=supported_language,
            patterns=[Pattern(name, rx, score) for name, rx, score in self.SPEC.patterns],
            context=list(self.SPEC.context),
            global_regex_flags=self.SPEC.flags,
        )

    def check(self, value: str) -> bool:
        """Whole-value validation of a matched string (the spec's validator)."""
        return self.SPEC.check(value)

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
        prefilter = self.SPEC.compiled_prefilter
        if prefilter is not None and not prefilter.search(text):
            return []
        results: list[RecognizerResult] = super().analyze(
            text, entities, nlp_artifacts, regex_flags
        )
        for result in results:
            explanation = result.analysis_explanation
            base = explanation.original_score if explanation else result.score
            result.score = self.SPEC.score(text, result.start, result.end, base)
            if explanation:
                explanation.score = result.score
        return results


class RuleRecognizer(EntityRecognizer):
    """A recognizer whose rules live in a presidio-free module shared with the bulk span
    finder: a subclass names its ``ENTITY`` and cue words and yields ``(start, end, score)``
    from :meth:`spans`."""

    ENTITY: ClassVar[str]
    CUES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, supported_language: str = DEFAULT_LANGUAGE) -> None:
        """Register for one language."""
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language=supported_language,
            context=list(self.CUES),
        )

    def load(self) -> None:
        """Nothing to load eagerly by default."""

    def spans(self, text: str) -> Iterable[tuple[int, int, float]]:
        """The matches in ``text``; every subclass defines its own."""
        return ()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Presidio's entry point: one result per span."""
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.spans(text)]
