"""Detection engine: a presidio ``AnalyzerEngine`` holding only Pazhou's recognizers, and
:func:`find_spans`, which returns non-overlapping entity spans for a batch of texts.

Two paths share every pattern, validator and context rule: presidio (the reference, used for
classification and reports) and the bulk path of :mod:`anonymizers.fast_spans` (for masking
whole columns: ``find_spans(..., fast=True)`` or :func:`bulk_span_finder`).

Offline by construction: no spaCy model is needed (presidio's ``NoOpNlpEngine``), and
``tldextract`` is told not to fetch the public-suffix list. An *installed* spaCy model can be
named (``build_analyzer(ner_model=...)``, the service's ``PAZHOU_NER_MODEL``): its person
names are added as ``PERSON``; a model is never downloaded. The bulk path does not run it.
Recognizers are registered for the languages in ``LANGUAGES`` (``zh`` and ``en``); texts are
analysed as ``zh`` because the recognizers handle mixed Chinese/English text and do not
depend on the language code.
"""

from __future__ import annotations

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import re
from collections.abc import Sequence
from functools import lru_cache

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymizers.fast_spans import Span, find_spans_fast, span_tuples
from anonymizers.invisible import views
from anonymizers.recognizers import default_recognizers
from anonymizers.recognizers.ner import NER_ENTITIES, NER_SCORE, NerPersonRecognizer, nlp_engine

__all__ = [
    "Span",
    "build_analyzer",
    "bulk_span_finder",
    "cached_analyzer",
    "find_spans",
    "resolve_overlaps",
]

LANGUAGES: tuple[str, ...] = ("zh", "en")
ANALYSIS_LANGUAGE = "zh"
DEFAULT_THRESHOLD = 0.5
# A text without a digit, '@', a CJK character or a capital letter holds nothing we detect.
_WORTH_SCANNING = re.compile(r"[0-9@A-Z\u3400-\u4dbf\u4e00-\u9fff]")


class CharWindowContextOnly(ContextAwareEnhancer):
    """Presidio's enhancer slot, left empty: our recognizers score context themselves
    (character windows work for Chinese), and without a model there are no tokens."""

    def __init__(self) -> None:
        """No parameters are used."""
        super().__init__(0.0, 0.0, 0, 0)

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Return the results unchanged."""
        return raw_results


def build_analyzer(ner_model: str | None = None) -> AnalyzerEngine:
    """An ``AnalyzerEngine`` with only Pazhou's recognizers, for ``zh`` and ``en``.

    With ``ner_model=None`` (the default) no NLP model is used (a blank pipeline). With the
    name or path of an *installed* spaCy model (never downloaded; ``ValueError`` if it is
    missing), the model runs on every text and
    :class:`~anonymizers.recognizers.ner.NerPersonRecognizer` adds its person
    names as ``PERSON`` (score ``NER_SCORE``); where a rule recognizer finds the same name
    with a higher score, overlap resolution keeps the rule's span. Context is scored by the
    recognizers themselves either way (character windows), so their scores do not change.
    """
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        for recognizer in default_recognizers(language):
            registry.add_recognizer(recognizer)
        if ner_model is not None:
            registry.add_recognizer(
                NerPersonRecognizer(
                    supported_language=language,
                    supported_entities=sorted(set(NER_ENTITIES.values())),
                    ner_strength=NER_SCORE,
                    name=f"NerPersonRecognizer_{language}",
                )
            )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine(ner_model, LANGUAGES),
        supported_languages=list(LANGUAGES),
        context_aware_enhancer=CharWindowContextOnly(),
    )


@lru_cache(maxsize=4)
def cached_analyzer(ner_model: str | None = None) -> AnalyzerEngine:
    """The process-wide analyzer for ``ner_model`` (built once)."""
    return build_analyzer(ner_model)


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Keep the best of overlapping results: highest score, then longest, then earliest."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start, r.entity_type))
    kept: list[RecognizerResult] = []
    for result in ranked:
        if all(result.end <= k.start or result.start >= k.end for k in kept):
            kept.append(result)
    return sorted(kept, key=lambda r: r.start)


def _spans(
    analyzer: AnalyzerEngine, text: str, entities: list[str] | None, threshold: float
) -> list[Span]:
    """Analyse one non-empty text."""
    results = analyzer.analyze(
        text=text, language=ANALYSIS_LANGUAGE, entities=entities, score_threshold=threshold
    )
    for view in views(text):  # the text as displayed, without invisible characters
        seen = analyzer.analyze(view.text, ANALYSIS_LANGUAGE, entities, score_threshold=threshold)
        for r in seen:
            start, end = view.original(r.start, r.end)
            results.append(RecognizerResult(r.entity_type, start, end, r.score))
    return [
        Span(r.entity_type, r.start, r.end, round(float(r.score), 4), text[r.start : r.end])
        for r in resolve_overlaps(results)
    ]


def _checked_entities(engine: AnalyzerEngine, entities: Sequence[str] | None) -> list[str] | None:
    """The requested entity names; unknown names raise ``ValueError`` instead of being skipped."""
    if entities is None:
        return None
    known = set(engine.get_supported_entities(ANALYSIS_LANGUAGE))
    unknown = sorted(set(entities) - known)
    if unknown:
        raise ValueError(f"unknown entities {unknown}; known: {sorted(known)}")
    return list(entities)


def find_spans(
    texts: Sequence[str | None],
    entities: Sequence[str] | None = None,
    analyzer: AnalyzerEngine | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    fast: bool = False,
) -> list[list[Span]]:
    """Detected spans for each text (``[]`` for empty or ``None`` texts), in text order.

    ``entities`` restricts detection to those entity names (default: all; an unknown name
    raises ``ValueError``). Overlapping spans are resolved by score, then length. Spans
    scoring below ``threshold`` are dropped; weak evidence (a bare date, an 8-digit
    number) needs a nearby cue word. A value that is neither ``str`` nor ``None`` raises
    ``TypeError`` rather than being skipped silently.

    ``fast=True`` uses the bulk path (:func:`anonymizers.fast_spans.find_spans_fast`: same
    patterns and validators, a cheaper recall-first Chinese-name detector, worker processes
    for large batches) instead of presidio; ``analyzer`` must then be None.
    """
    if fast:
        if analyzer is not None:
            raise ValueError("fast=True does not use a presidio analyzer; pass analyzer=None")
        return find_spans_fast(texts, entities, threshold=threshold)
    engine = analyzer if analyzer is not None else cached_analyzer()
    wanted = _checked_entities(engine, entities)
    out: list[list[Span]] = []
    for text in texts:
        if text is not None and not isinstance(text, str):
            raise TypeError(f"find_spans expects str or None, got {type(text).__name__}")
        if not text or wanted == [] or not _WORTH_SCANNING.search(text):
            out.append([])
        else:
            out.append(_spans(engine, text, wanted, threshold))
    return out


def bulk_span_finder(texts: Sequence[str]) -> list[list[tuple[str, int, int]]]:
    """A ``replace_spans`` span finder on the bulk path: ``(entity, start, end)`` per span.

    Batches of 40,000 texts or more are spread over worker processes (see
    :mod:`anonymizers.span_pool`), so give ``replace_spans`` a large ``batch_size``.
    """
    return span_tuples(texts)
