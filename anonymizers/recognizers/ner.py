"""The optional named-entity model inside presidio: a spaCy engine that loads one *installed*
model (never downloads it) and presidio's ``SpacyRecognizer`` for the model's person names,
reported as our ``PERSON`` entity. Used by :func:`anonymizers.engine.build_analyzer` when a
model is named (the service's ``PAZHOU_NER_MODEL``)."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import (
    NerModelConfiguration,
    NlpArtifacts,
    NlpEngine,
    NoOpNlpEngine,
    SpacyNlpEngine,
)
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from anonymizers.ner_models import SMALL_ENGLISH_MODEL, ner_model_installed

# A named-entity model's labels that we report, as our entity names (others are ignored).
NER_ENTITIES = {"PERSON": "PERSON", "PER": "PERSON"}
NER_SCORE = 0.6  # below a rule recognizer's known given name + surname (0.85)
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z'’.\-]*(?: [A-Z][A-Za-z'’.\-]*)+")


class InstalledSpacyEngine(SpacyNlpEngine):
    """presidio's spaCy engine, loading one *installed* model once for every language (the
    stock engine loads it once per language and downloads a missing model)."""

    def load(self) -> None:
        """Load the model by name or path; keep only the entity labels we map."""
        import spacy

        nlp = spacy.load(self.models[0]["model_name"])
        shared: Any = {model["lang_code"]: nlp for model in self.models}
        self.nlp = shared
        ner: Any = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None
        labels: tuple[str, ...] = tuple(ner.labels) if ner is not None else ()
        config = self.ner_model_configuration
        config.labels_to_ignore = [label for label in labels if label not in NER_ENTITIES]


class NerPersonRecognizer(SpacyRecognizer):
    """presidio's ``SpacyRecognizer`` for the model's person names, reported as ``PERSON``
    (our English-name entity) when written in Latin script as two or more capitalised words:
    an English model's guesses on Chinese text, or on single words, are mostly wrong."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """The model's PERSON entities that look like a written-out Latin-script name."""
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if _LATIN_NAME.fullmatch(text[r.start : r.end])]


def nlp_engine(ner_model: str | None, languages: tuple[str, ...]) -> NlpEngine:
    """A no-op engine, or a spaCy engine for an installed model (never downloaded)."""
    if ner_model is None:
        return NoOpNlpEngine(
            models=[{"lang_code": lang, "model_name": "none"} for lang in languages]
        )
    if not ner_model_installed(ner_model):
        raise ValueError(
            f"spaCy model {ner_model!r} is not installed; Pazhou never downloads one "
            f"(install it, e.g. pip install '.[ner]' for {SMALL_ENGLISH_MODEL}, or unset it)"
        )
    configuration = NerModelConfiguration(
        model_to_presidio_entity_mapping=dict(NER_ENTITIES), default_score=NER_SCORE
    )
    return InstalledSpacyEngine(
        models=[{"lang_code": lang, "model_name": ner_model} for lang in languages],
        ner_model_configuration=configuration,
    )
