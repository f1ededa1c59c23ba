"""The detection engine: offline analyzer, overlap resolution, batching, recall on notes."""

import collections
import dataclasses
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faker import Faker
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NoOpNlpEngine

from anonymizers.engine import (
    Span,
    build_analyzer,
    cached_analyzer,
    find_spans,
    resolve_overlaps,
)
from anonymizers.recognizers import RECOGNIZERS
from anonymizers.validators import resident_id_check_char, uscc_check_char
from tests.anonymizers.gold_notes import NAME_ENTITIES, PATTERN_ENTITIES, card, generate_notes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = (
    "联系人{CN_PERSON_NAME}，电话{CN_MOBILE}，身份证号{CN_RESIDENT_ID}。",
    "{CN_PERSON_NAME}来电称地址已变更为{CN_ADDRESS}，新手机{CN_MOBILE}。",
    "客户{CN_PERSON_NAME}的银行卡号{CN_BANK_CARD}，邮箱{EMAIL_ADDRESS}",
    "法定代表人{CN_PERSON_NAME}，统一社会信用代码{CN_USCC}，联系电话{CN_MOBILE}",
    "{PERSON} emailed {EMAIL_ADDRESS} about card {CN_BANK_CARD}.",
    "Patient {PERSON}, tel {CN_MOBILE}, ID {CN_RESIDENT_ID}.",
    "回访记录：{CN_PERSON_NAME}表示同意，身份证{CN_RESIDENT_ID}，住址{CN_ADDRESS}。",
    "企业{CN_USCC}的经办人{CN_PERSON_NAME}（{CN_MOBILE}）提交了材料。",
    "请联系{PERSON}（{EMAIL_ADDRESS}）或{CN_PERSON_NAME}，电话{CN_MOBILE}。",
    "Meeting with {PERSON} and {PERSON} at {CN_ADDRESS}; email {EMAIL_ADDRESS}",
    "{CN_PERSON_NAME}和{CN_PERSON_NAME}一起办理，卡号{CN_BANK_CARD}。",
    "{CN_RESIDENT_ID}号码持有人{CN_PERSON_NAME}已核实。邮箱:{EMAIL_ADDRESS}",
    "{EMAIL_ADDRESS}的用户{CN_PERSON_NAME}申请退款到{CN_BANK_CARD}",
    "Dear {PERSON}, your card {CN_BANK_CARD} is linked to {CN_MOBILE}.",
)


def _matches(gold: tuple[str, int, int], span: Span) -> bool:
    """Exact span for identifiers; names must be covered (a title/suffix may be added);
    addresses must be 80 % covered."""
    entity, start, end = gold
    if span.entity != entity:
        return False
    overlap = max(0, min(end, span.end) - max(start, span.start))
    if entity == "CN_ADDRESS":
        return overlap >= 0.8 * (end - start)
    if entity in NAME_ENTITIES:
        return overlap == end - start
    return (span.start, span.end) == (start, end)


def _scores(count: int, seed: int) -> tuple[dict[str, float], dict[str, float]]:
    notes = generate_notes(count, seed, TEMPLATES)
    spans = find_spans([text for text, _ in notes])
    hits: collections.Counter[str] = collections.Counter()
    totals: collections.Counter[str] = collections.Counter()
    right: collections.Counter[str] = collections.Counter()
    reported: collections.Counter[str] = collections.Counter()
    for (_, gold), found in zip(notes, spans, strict=True):
        for g in gold:
            totals[g[0]] += 1
            hits[g[0]] += any(_matches(g, s) for s in found)
        for s in found:
            reported[s.entity] += 1
            right[s.entity] += any(_matches(g, s) for g in gold)
    recall = {e: hits[e] / totals[e] for e in totals}
    precision = {e: right[e] / reported[e] for e in reported}
    return recall, precision


def test_recall_and_precision_on_generated_notes() -> None:
    recall, precision = _scores(300, seed=2026)
    print("recall", recall, "precision", precision)
    for entity in PATTERN_ENTITIES:
        assert recall[entity] >= 0.95, (entity, recall[entity])
        assert precision[entity] >= 0.95, (entity, precision[entity])
    for entity in NAME_ENTITIES:
        assert recall[entity] >= 0.90, (entity, recall[entity])
        assert precision[entity] >= 0.90, (entity, precision[entity])
    assert recall["CN_ADDRESS"] >= 0.90


def test_few_spans_in_text_without_personal_data() -> None:
    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(5)
    en.seed_instance(5)
    texts = [zh.paragraph(nb_sentences=3) for _ in range(200)]
    texts += [en.paragraph(nb_sentences=3) for _ in range(200)]
    texts += [
        f"订单{n:012d}金额{n % 997}元，批次{n % 10**8:08d}" for n in range(10**11, 10**11 + 100)
    ]
    spans = [s for found in find_spans(texts) for s in found]
    assert len(spans) <= 5, spans


def test_build_analyzer_is_offline_and_holds_only_our_recognizers() -> None:
    analyzer = build_analyzer()
    assert isinstance(analyzer.nlp_engine, NoOpNlpEngine)
    assert sorted(analyzer.supported_languages) == ["en", "zh"]
    for language in ("zh", "en"):
        names = {type(r).__name__ for r in analyzer.get_recognizers(language)}
        assert names == {cls.__name__ for cls in RECOGNIZERS.values()}
    results = analyzer.analyze("电话13812345678", language="en")
    assert [(r.entity_type, r.start, r.end) for r in results] == [("CN_MOBILE", 2, 13)]
    assert os.environ.get("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS") == ""


def test_missing_spacy_model_is_refused_not_downloaded() -> None:
    with pytest.raises(ValueError, match="not installed"):
        build_analyzer("xx_no_such_model_sm")


def test_no_network_is_used() -> None:
    code = (
        "import socket\n"
        "def deny(*a, **k): raise RuntimeError('network used')\n"
        "socket.socket.connect = deny\n"
        "socket.create_connection = deny\n"
        "from anonymizers.engine import find_spans\n"
        "spans = find_spans(['邮箱user@example.com，张伟13812345678'])\n"
        "print(sorted(s.entity for s in spans[0]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "['CN_MOBILE', 'CN_PERSON_NAME', 'EMAIL_ADDRESS']" in done.stdout


def test_span_is_frozen_and_carries_text() -> None:
    [[span]] = find_spans(["电话13812345678"])
    assert span == Span("CN_MOBILE", 2, 13, span.score, "13812345678")
    assert 0.5 <= span.score <= 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 0  # type: ignore[misc]


def test_empty_and_missing_texts() -> None:
    texts = ["", None, "   ", "无个人信息。", "电话13812345678"]
    spans = find_spans(texts)
    assert [len(s) for s in spans] == [0, 0, 0, 0, 1]
    assert find_spans([]) == []
    assert find_spans(["电话13812345678"], entities=[]) == [[]]
    with pytest.raises(TypeError, match="str or None"):
        find_spans(["电话13812345678", 13812345678])  # type: ignore[list-item]


def test_entity_filter() -> None:
    text = "张伟，电话13812345678，邮箱user@example.com"
    [spans] = find_spans([text], entities=["EMAIL_ADDRESS"])
    assert [s.entity for s in spans] == ["EMAIL_ADDRESS"]
    with pytest.raises(ValueError, match="unknown entities"):
        find_spans([text], entities=["EMAIL_ADDRESS", "NO_SUCH"])


def test_overlaps_resolved_by_score_then_length() -> None:
    def result(entity: str, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(entity, start, end, score)

    kept = resolve_overlaps(
        [
            result("A", 0, 10, 0.6),
            result("B", 2, 5, 0.9),
            result("C", 4, 12, 0.9),
            result("D", 20, 25, 0.5),
            result("E", 20, 26, 0.5),
        ]
    )
    assert [(r.entity_type, r.start, r.end) for r in kept] == [("C", 4, 12), ("E", 20, 26)]


def test_identifier_overlaps_pick_the_right_entity() -> None:
    rng = random.Random(1)
    zh = Faker("zh_CN")
    zh.seed_instance(4)
    ambiguous = next(x for x in (zh.ssn() for _ in range(5000)) if uscc_check_char(x[:17]) == x[17])
    luhn_id = next(x for x in (zh.ssn() for _ in range(5000)) if _card_like(x))
    texts = [
        f"身份证号{ambiguous}。",
        f"统一社会信用代码{ambiguous}。",
        f"证件{luhn_id}",
        "手机+86 138-1234-5678",
        f"卡号{card(rng)}",
    ]
    entities = [[s.entity for s in spans] for spans in find_spans(texts)]
    assert entities == [
        ["CN_RESIDENT_ID"],
        ["CN_USCC"],
        ["CN_RESIDENT_ID"],
        ["CN_MOBILE"],
        ["CN_BANK_CARD"],
    ]
    body = "11010119900307451"
    assert resident_id_check_char(body) == "4"


def _card_like(value: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(value)):
        n = int(ch) * (2 if i % 2 else 1) if ch.isdigit() else 99
        total += n - 9 if n > 9 else n
    return value.isdigit() and total % 10 == 0


def test_analyzer_is_cached_and_batches_are_fast() -> None:
    assert cached_analyzer() is cached_analyzer()
    notes = [text for text, _ in generate_notes(1000, 11, TEMPLATES)]
    find_spans(notes[:10])  # warm up jieba and the place names
    start = time.perf_counter()
    spans = find_spans(notes)
    elapsed = time.perf_counter() - start
    assert len(spans) == len(notes)
    assert len(notes) / elapsed > 100, f"{len(notes) / elapsed:.0f} texts/s"
