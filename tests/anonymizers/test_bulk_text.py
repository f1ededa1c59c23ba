"""Whole-column free-text masking in the span workers (``bulk_text.text_masker``): the same
output as ``replace_spans`` with the bulk span finder, known values blanked, errors named."""

import itertools

import pyarrow as pa
import pytest

from anonymizers import span_pool
from anonymizers.bulk_text import blank_known, text_masker
from anonymizers.engine import bulk_span_finder
from anonymizers.operators import MaskContext
from anonymizers.plan import PlanError, Step, apply_plan
from tests.anonymizers.gold_notes import generate_notes

TEMPLATES = (
    "联系人{CN_PERSON_NAME}，电话{CN_MOBILE}，身份证{CN_RESIDENT_ID}。地址：{CN_ADDRESS}",
    "{CN_PERSON_NAME}和{CN_PERSON_NAME}来访，邮箱{EMAIL_ADDRESS}，卡号{CN_BANK_CARD}",
    "Please contact {PERSON} at {EMAIL_ADDRESS}; credit code {CN_USCC}.",
    "无个人信息的备注。",
)
SECRET = b"s" * 32


def _table(rows: int) -> pa.Table:
    notes: list[str | None] = [text for text, _ in generate_notes(rows, 7, TEMPLATES)]
    notes[3], notes[5] = None, ""
    notes[8] = "单号013812345678，座机020-83331234转806"  # the row's own mobile, hidden in digits
    mobiles = pa.array([13812345678 if row == 8 else None for row in range(rows)], pa.int64())
    return pa.table({"notes": notes, "mobile": mobiles})


def _steps(params: dict[str, object]) -> list[Step]:
    return [
        Step("notes", "replace_spans", params),
        Step("mobile", "mask", {"keep_first": 3, "keep_last": 4}, entity="CN_MOBILE"),
    ]


def _both(table: pa.Table, params: dict[str, object]) -> tuple[pa.Table, pa.Table]:
    finder = MaskContext(secret=SECRET, span_finder=bulk_span_finder)
    masker = MaskContext(secret=SECRET, text_masker=text_masker)
    return apply_plan(table, _steps(params), finder), apply_plan(table, _steps(params), masker)


@pytest.mark.parametrize(
    "params",
    [{"style": "entity"}, {"style": "pseudonym", "length": 12}, {"entities": ["CN_MOBILE"]}],
)
def test_same_result_as_replace_spans_in_process(params: dict[str, object]) -> None:
    reference, masked = _both(_table(400), params)
    assert masked.equals(reference)
    notes = masked.column("notes").to_pylist()
    assert notes[3] is None and notes[5] == ""
    assert "13812345678" not in notes[8] and "<CN_MOBILE>" in notes[8]


def test_same_result_from_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAZHOU_SPAN_WORKERS", "2")
    monkeypatch.setattr(span_pool, "MIN_PARALLEL", 200)
    monkeypatch.setattr(span_pool, "MIN_CHUNK", 100)
    assert len(span_pool.row_chunks(900, 2)) == 8
    table = _table(900)
    reference, masked = _both(table, {"style": "pseudonym"})
    try:
        assert span_pool._pool is not None  # the chunks went to the workers
        assert masked.equals(reference)
        assert masked.column("notes").to_pylist()[8].startswith("单号0<CN_MOBILE>")
        assert "020-83331234" not in masked.column("notes").to_pylist()[8]
    finally:
        span_pool.shutdown()


def test_blank_known_replaces_the_rows_own_values_longest_first() -> None:
    texts: list[str | None] = ["王小明，电话13812345678王小", None, "张三", "x"]
    blank_known(
        texts,
        [
            ("CN_PERSON_NAME", ["王小", None, "张三", "x"]),
            ("CN_MOBILE", ["13812345678", "13812345678", None, None]),
            ("PERSON", ["王小明", None, None, None]),
        ],
    )
    assert texts == [
        "<PERSON>，电话<CN_MOBILE><CN_PERSON_NAME>",
        None,
        "<CN_PERSON_NAME>",
        "x",  # one-character values are too short to blank
    ]


def test_bad_params_fail_the_column_before_any_work() -> None:
    context = MaskContext(secret=SECRET, text_masker=text_masker)
    with pytest.raises(PlanError) as failure:
        apply_plan(_table(20), _steps({"style": "loud"}), context)
    assert failure.value.column == "notes"
    assert "style" in failure.value.detail


def test_a_failing_column_cancels_the_text_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAZHOU_SPAN_WORKERS", "2")
    monkeypatch.setattr(span_pool, "MIN_PARALLEL", 200)
    monkeypatch.setattr(span_pool, "MIN_CHUNK", 50)
    table = _table(900).append_column("label", pa.array(["x"] * 900))
    steps = [*_steps({"style": "entity"}), Step("label", "generalize", {"kind": "age_band"})]
    steps = [steps[0], steps[2], steps[1]]  # the text column waits until after the failure
    context = MaskContext(secret=SECRET, text_masker=text_masker)
    try:
        with pytest.raises(PlanError) as failure:
            apply_plan(table, steps, context)
        assert failure.value.column == "label"
        again = apply_plan(table, _steps({"style": "entity"}), context)  # the pool still works
        assert again.num_rows == 900
    finally:
        span_pool.shutdown()


def test_row_chunks_cover_every_row_once() -> None:
    assert span_pool.row_chunks(0, 2) == []
    assert span_pool.row_chunks(10, 2) == [(0, 10)]
    bounds = span_pool.row_chunks(1_000_003, 2)
    assert len(bounds) % 2 == 0 and bounds[0][0] == 0 and bounds[-1][1] == 1_000_003
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
