"""The bulk span finder: recall on Faker-made notes, agreement with the presidio path, no raw
identifier left after ``replace_spans``, worker processes, and the shared building blocks."""

import collections
import random
import re
from concurrent.futures import ThreadPoolExecutor

import phonenumbers
import pyarrow as pa
import pytest

from anonymizers import span_pool
from anonymizers.engine import Span, bulk_span_finder, find_spans
from anonymizers.fast_spans import ENTITY_ORDER, detectors, find_spans_fast, scan, span_tuples
from anonymizers.operators import MaskContext, make_operator
from anonymizers.recognizers import RECOGNIZERS, re2
from anonymizers.recognizers.intl_rules import PHONE_REGIONS, phone_number
from anonymizers.recognizers.patterns_cn import CN_SPECS
from anonymizers.recognizers.patterns_intl import INTL_SPECS
from anonymizers.recognizers.spec import Batch
from tests.anonymizers.gold_notes import (
    NAME_ENTITIES,
    PATTERN_ENTITIES,
    Gold,
    generate_notes,
)

TEMPLATES = (
    "联系人{CN_PERSON_NAME}，电话{CN_MOBILE}，身份证{CN_RESIDENT_ID}。地址：{CN_ADDRESS}",
    "{CN_PERSON_NAME}于上午来访，反映噪音问题，回拨{CN_MOBILE}。",
    "已通知{CN_PERSON_NAME}和{CN_PERSON_NAME}到场，邮箱{EMAIL_ADDRESS}",
    "由{CN_PERSON_NAME}负责跟进，退款至银行卡{CN_BANK_CARD}",
    "企业{CN_USCC}的法定代表人{CN_PERSON_NAME}已签字",
    "{CN_PERSON_NAME}表示同意调解方案，证件号码{CN_RESIDENT_ID}",
    "请{CN_PERSON_NAME}明天下午到窗口补交材料（{CN_MOBILE}）",
    "业主{CN_PERSON_NAME}投诉物业，住址{CN_ADDRESS}",
    "Customer {PERSON} called from {CN_MOBILE} about card {CN_BANK_CARD}.",
    "Please contact {PERSON} at {EMAIL_ADDRESS}; ID {CN_RESIDENT_ID}.",
    "Meeting with {PERSON} and {PERSON} confirmed. Credit code {CN_USCC}",
    "{PERSON}的邮箱{EMAIL_ADDRESS}，手机{CN_MOBILE}",
)


@pytest.fixture(scope="module")
def notes() -> list[tuple[str, list[Gold]]]:
    return generate_notes(1500, 31, TEMPLATES)


@pytest.fixture(scope="module")
def fast(notes: list[tuple[str, list[Gold]]]) -> list[list[Span]]:
    return find_spans_fast([text for text, _ in notes], workers=1)


def _covered(gold: Gold, spans: list[Span]) -> bool:
    entity, start, end = gold
    return any(s.entity == entity and s.start <= start and end <= s.end for s in spans)


def test_recall_on_faker_notes(notes: list[tuple[str, list[Gold]]], fast: list[list[Span]]) -> None:
    totals: collections.Counter[str] = collections.Counter()
    hits: collections.Counter[str] = collections.Counter()
    for (_, gold), spans in zip(notes, fast, strict=True):
        for g in gold:
            totals[g[0]] += 1
            hits[g[0]] += _covered(g, spans)
    recall = {entity: hits[entity] / totals[entity] for entity in totals}
    print("fast-path recall", recall)
    for entity in PATTERN_ENTITIES:
        assert totals[entity] >= 100 and recall[entity] >= 0.95, (entity, recall[entity])
    for entity in NAME_ENTITIES:
        assert totals[entity] >= 100 and recall[entity] >= 0.90, (entity, recall[entity])
    assert recall["CN_ADDRESS"] >= 0.90


def test_span_precision_of_names_is_reported_and_sane(
    notes: list[tuple[str, list[Gold]]], fast: list[list[Span]]
) -> None:
    reported = wrong = 0
    for (_, gold), spans in zip(notes, fast, strict=True):
        for span in spans:
            if span.entity == "CN_PERSON_NAME":
                reported += 1
                wrong += not any(g[1] < span.end and span.start < g[2] for g in gold)
    print("CN name span precision", 1 - wrong / reported)
    assert 1 - wrong / reported >= 0.85


def test_agrees_with_presidio_path(
    notes: list[tuple[str, list[Gold]]], fast: list[list[Span]]
) -> None:
    """Same patterns, validators and context rules: identical spans and scores for every
    entity but Chinese names (a different, recall-first detector), whose spans overlap 90%
    of jieba's."""
    texts = [text for text, _ in notes[:400]]
    texts += [
        "出生日期1990-03-07，身份证110101199003074514",
        "IP 192.168.1.1 登录，护照E12345678，车牌粤AD12345",
        "IBAN GB82 WEST 1234 5698 7654 32, call +44 20 7946 0958",
        "信用卡4111 1111 1111 1111；SSN 078-05-1120; Dr. John Smith Jr. visited",
    ]
    reference = find_spans(texts)
    bulk = find_spans_fast(texts, workers=1)
    cn_ref = cn_both = 0
    for ref, got in zip(reference, bulk, strict=True):
        assert {s for s in got if s.entity != "CN_PERSON_NAME"} == {
            s for s in ref if s.entity != "CN_PERSON_NAME"
        }
        names = [s for s in got if s.entity == "CN_PERSON_NAME"]
        for span in (s for s in ref if s.entity == "CN_PERSON_NAME"):
            cn_ref += 1
            cn_both += any(n.start < span.end and span.start < n.end for n in names)
    assert cn_both / cn_ref >= 0.9


def test_no_raw_identifier_survives_replace_spans(notes: list[tuple[str, list[Gold]]]) -> None:
    texts = [text for text, _ in notes]
    operator = make_operator("replace_spans", {"style": "entity", "batch_size": 500})
    context = MaskContext(secret=b"s" * 32, span_finder=bulk_span_finder)
    masked = operator.apply(pa.array([*texts, None]), context)
    assert masked is not None
    out = masked.to_pylist()
    assert out[-1] is None
    for (text, gold), result in zip(notes, out, strict=False):
        for entity, start, end in gold:
            if entity in PATTERN_ENTITIES:
                assert text[start:end] not in result, (entity, text, result)
        assert not re.search(r"[0-9]{11,}", result), result


def test_empty_missing_and_bad_values() -> None:
    spans = find_spans_fast(["", None, "   ", "无个人信息。", "电话13812345678"])
    assert [len(s) for s in spans] == [0, 0, 0, 0, 1]
    assert spans[4] == [Span("CN_MOBILE", 2, 13, 1.0, "13812345678")]
    assert find_spans_fast([]) == []
    assert find_spans_fast(["电话13812345678"], entities=[]) == [[]]
    with pytest.raises(TypeError, match="str or None"):
        find_spans_fast(["ok", 12])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unknown entities"):
        find_spans_fast(["x"], entities=["NO_SUCH"])
    assert find_spans(["电话13812345678"], fast=True) == find_spans_fast(["电话13812345678"])


def test_entities_and_threshold() -> None:
    text = "张伟的手机13812345678，邮箱zw@example.com，受理日期1990-03-07"
    only = find_spans_fast([text], entities=["EMAIL_ADDRESS"])[0]
    assert [s.entity for s in only] == ["EMAIL_ADDRESS"]
    low = find_spans_fast([text], threshold=0.3)[0]
    assert "DATE_OF_BIRTH" in {s.entity for s in low}
    assert "DATE_OF_BIRTH" not in {s.entity for s in find_spans_fast([text])[0]}
    assert set(ENTITY_ORDER) == set(RECOGNIZERS)


def test_span_tuples_and_duplicates() -> None:
    texts = ["电话13812345678"] * 3 + [None, "无"]
    assert span_tuples(texts) == [[("CN_MOBILE", 2, 13)]] * 3 + [[], []]


def test_batch_scan_equals_text_by_text(notes: list[tuple[str, list[Gold]]]) -> None:
    texts = [text for text, _ in notes[:300]] + ["a\x00电话13812345678", "张伟\x00"]
    together = scan(texts)
    assert together == [scan([text])[0] for text in texts]
    assert together[-2] == [("CN_MOBILE", 4, 15, 1.0)]


def test_batch_refuses_a_separator_inside_texts() -> None:
    with pytest.raises(ValueError, match="separator"):
        Batch(["a\x00b", "c"])
    batch = Batch(["ab", "", "cde"])
    assert batch.text == "ab\x00\x00cde"
    assert [batch.locate(p) for p in (0, 1, 3, 4, 6)] == [
        (0, 0, 2),
        (0, 0, 2),
        (1, 3, 3),
        (2, 4, 7),
        (2, 4, 7),
    ]


def test_worker_processes_give_the_same_spans(
    monkeypatch: pytest.MonkeyPatch, notes: list[tuple[str, list[Gold]]]
) -> None:
    """Force the pool with small thresholds, from a thread (as in a uvicorn worker)."""
    monkeypatch.setattr(span_pool, "MIN_PARALLEL", 200)
    monkeypatch.setattr(span_pool, "MIN_CHUNK", 100)
    texts = [text for text, _ in notes[:600]]
    expected = find_spans_fast(texts, workers=1)
    with ThreadPoolExecutor(1) as threads:
        got = threads.submit(find_spans_fast, texts, workers=2).result()
    assert got == expected
    assert span_pool._pool is not None
    span_pool.shutdown()
    assert span_pool._pool is None


def test_chunks_are_balanced() -> None:
    items = [str(i) for i in range(100_000)]
    pieces = span_pool.chunks(items, 2)
    assert len(pieces) % 2 == 0 and sum(map(len, pieces)) == len(items)
    assert max(map(len, pieces)) - min(map(len, pieces)) <= 1
    assert len(span_pool.chunks(items[:30_000], 2)) == 2


def test_relaxed_patterns_are_re2_supersets() -> None:
    """Every text a spec pattern matches is let through by its RE2 prefilter."""
    samples = [text for text, _ in generate_notes(300, 5, TEMPLATES)] + [
        "出生日期1990-03-07，1990年3月7日，19900307，07/03/1990",
        "IP 192.168.1.1 和 2001:db8::1 登录",
        "护照E12345678，车牌粤AD12345，京A·F0236",
        "IBAN GB82 WEST 1234 5698 7654 32, call +44 20 7946 0958 or (212) 355-1234 x12",
        "信用卡4111 1111 1111 1111；SSN 219-09-9998，社保号 219 09 9998",
        "卡号6222 0212 3456 7890 128，旧证号110101900307451",
    ]
    column = re2.column(samples)
    for spec in CN_SPECS + INTL_SPECS:
        prefilter = re2.any_of([rx for _, rx, _ in spec.patterns], spec.case_sensitive)
        allowed = set(re2.candidates(column, prefilter))
        for i, text in enumerate(samples):
            if any(p.search(text) for p, _ in spec.compiled):
                assert i in allowed, (spec.entity, text)


def test_every_detector_prefilter_lets_its_finds_through() -> None:
    samples = [text for text, _ in generate_notes(300, 6, TEMPLATES)] + [
        "上官婉儿来电，东方明珠路1号",
        "申请人阿依古丽·买买提已签字",
        "Jean-luc Picard and O'Brien McDonald met Dr. J. R. Tolkien",
        "住在北京市海淀区中关村大街27号",
    ]
    column = re2.column(samples)
    for detector in detectors():
        assert detector.prefilter is not None
        allowed = set(re2.candidates(column, detector.prefilter))
        for i, text in enumerate(samples):
            if detector.find(Batch([text]), 0.0):
                assert i in allowed, (detector.entity, text)


def _reference_phone(value: str) -> bool:
    """The phone validator without its shortcut: ``phonenumbers.parse`` + ``is_valid_number``
    (a Chinese extension, ``转806`` or ``分机806``, read as ``ext. 806``)."""
    v = value.strip()
    ext = r"(?:\s*(?:x|ext\.?|#|转|分机号?)\s*[0-9]{1,6})?"
    if not re.fullmatch(r"\+?[0-9()\s.\-]{6,24}" + ext, v, re.I):
        return False
    if sum(c.isdigit() for c in v) < 7:
        return False
    v = "+" + v[2:] if v.startswith("00") else v
    v = re.sub(r"\s*(?:转|分机号?)\s*([0-9]{1,6})$", r" ext. \1", v)
    for region in (None,) if v.startswith("+") else PHONE_REGIONS:
        try:
            number = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def test_phone_validator_shortcut_changes_no_answer() -> None:
    rng = random.Random(9)
    values = []
    for _ in range(3000):
        a, e, n = rng.randint(100, 999), rng.randint(100, 999), rng.randint(0, 9999)
        sep = rng.choice(["-", ".", " ", ""])
        values.append(rng.choice(["({a}) {e}-{n:04d}", "{a}{s}{e}{s}{n:04d}"]).format(
            a=a, e=e, n=n, s=sep))  # fmt: skip
        values.append(f"0{rng.randint(10, 999)}-{rng.randint(2_000_000, 99_999_999)}")
        values.append(f"({a}) {e}-{n:04d} x{rng.randint(1, 999)}")
        plus_one = rng.choice(["+1-{a}-{e}-{n:04d}", "+1 ({a}) {e}-{n:04d}", "+1{a}{e}{n:04d}"])
        values.append(plus_one.format(a=a, e=e, n=n))
    values += ["010-62345678转123", "(212) 355-1234#12", "+1 212 355 1234", "12345"]
    values += ["020-83331234分机806", "(020) 8333 1234 转 8", "020-03331234转806"]
    assert [phone_number(v) for v in values] == [_reference_phone(v) for v in values]
