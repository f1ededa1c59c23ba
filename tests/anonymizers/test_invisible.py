"""Identifiers hidden by zero-width characters and right-to-left overrides are still found,
and replacing them removes the invisible characters with them."""

import re

import pyarrow as pa
import pytest

from anonymizers import invisible
from anonymizers.bulk_text import TextJob, mask_chunk
from anonymizers.classify import classify_column
from anonymizers.engine import find_spans
from anonymizers.fast_spans import find_spans_fast
from anonymizers.invisible import RIGHT_TO_LEFT_OVERRIDE as RLO
from anonymizers.operators import MaskContext
from anonymizers.plan import Step, apply_plan

HIDING = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\U000e0041"]
MOBILE = "13812345678"
HIDDEN = "138\u200b1234\u200b5678"
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _mobiles(texts: list[str]) -> list[list[tuple[str, int, int, float]]]:
    """A real (if tiny) scanner: every mobile number, score 1."""
    return [[("CN_MOBILE", m.start(), m.end(), 1.0) for m in _MOBILE.finditer(t)] for t in texts]


@pytest.mark.parametrize("char", HIDING)
def test_every_invisible_character_is_recognised_and_stripped(char: str) -> None:
    text = f"138{char}1234{char}5678"
    assert invisible.has_invisible(text)
    assert invisible.strip_invisible(text) == MOBILE
    assert not invisible.has_invisible("电话 13812345678, Zoë")


def test_strip_column_is_vectorised_over_every_string_layout() -> None:
    plain = pa.array([HIDDEN, None, "x\ufeffy"])
    assert invisible.strip_column(plain).to_pylist() == [MOBILE, None, "xy"]
    large = pa.array([HIDDEN], type=pa.large_string())
    assert invisible.strip_column(large).to_pylist() == [MOBILE]
    chunked = pa.chunked_array([[HIDDEN], ["a\u2060b"]])
    assert invisible.strip_column(chunked).to_pylist() == [MOBILE, "ab"]
    coded = pa.array([HIDDEN, HIDDEN, "z"]).dictionary_encode()
    stripped = invisible.strip_column(coded)
    assert pa.types.is_dictionary(stripped.type) and stripped.to_pylist() == [MOBILE, MOBILE, "z"]
    numbers = pa.array([1, 2])
    assert invisible.strip_column(numbers) is numbers
    clean = pa.array(["nothing hidden"])
    assert invisible.strip_column(clean) is clean


def test_readable_column_reads_overridden_cells_in_display_order() -> None:
    column = pa.chunked_array([[f"{RLO}{MOBILE[::-1]}", HIDDEN, None], [f"x{RLO}cba\u202cy"]])
    readable = invisible.readable_column(column)
    assert isinstance(readable, pa.ChunkedArray)
    assert readable.to_pylist() == [MOBILE, MOBILE, None, "xabcy"]
    clean = pa.array(["nothing hidden"])
    assert invisible.readable_column(clean) is clean


def test_views_map_back_to_the_original_offsets() -> None:
    text = f"电话{HIDDEN}。"
    (view,) = invisible.views(text)
    assert view.text == f"电话{MOBILE}。"
    start = view.text.index(MOBILE)
    first, last = view.original(start, start + len(MOBILE))
    assert text[first:last] == HIDDEN
    assert invisible.views("no invisible characters here") == []


def test_a_right_to_left_override_is_read_in_display_order() -> None:
    text = f"备用{RLO}{MOBILE[::-1]}\u202c，完"
    logical, displayed = invisible.views(text)
    assert MOBILE[::-1] in logical.text and MOBILE in displayed.text
    start = displayed.text.index(MOBILE)
    first, last = displayed.original(start, start + len(MOBILE))
    assert text[first:last] == MOBILE[::-1]
    assert text[:first] == f"备用{RLO}" and text[last:] == "\u202c，完"


def test_hidden_hits_come_back_in_original_offsets() -> None:
    texts = [f"电话{HIDDEN}", "nothing", f"x{RLO}{MOBILE[::-1]}"]
    found = invisible.hidden_hits(texts, _mobiles)
    assert set(found) == {texts[0], texts[2]}
    (hit,) = found[texts[0]]
    assert texts[0][hit[1] : hit[2]] == HIDDEN
    (reversed_hit,) = found[texts[2]]
    assert texts[2][reversed_hit[1] : reversed_hit[2]] == MOBILE[::-1]
    assert invisible.hidden_hits(["plain 13812345678"], _mobiles) == {}


@pytest.mark.parametrize("fast", [True, False], ids=["bulk", "presidio"])
def test_detectors_find_hidden_identifiers(fast: bool) -> None:
    text = f"联系电话{HIDDEN}，谢谢"
    (spans,) = find_spans([text], fast=fast)
    mobile = [s for s in spans if s.entity == "CN_MOBILE"]
    assert mobile and text[mobile[0].start : mobile[0].end] == HIDDEN


def test_reversed_identifier_behind_an_override_is_found() -> None:
    text = f"联系电话{RLO}{MOBILE[::-1]}\u202c"
    (spans,) = find_spans_fast([text])
    assert [text[s.start : s.end] for s in spans if s.entity == "CN_MOBILE"] == [MOBILE[::-1]]


def test_masking_free_text_removes_identifier_and_its_invisible_characters() -> None:
    texts = pa.array([f"电话{HIDDEN}，证件{RLO}{MOBILE[::-1]}\u202c", None, "平常的话"])
    job = TextJob("entity", 8, None, b"k" * 32)
    masked = mask_chunk(texts, [], job).to_pylist()
    assert masked[0] == f"电话<CN_MOBILE>，证件{RLO}<CN_MOBILE>\u202c"
    assert masked[1:] == [None, "平常的话"]


def test_a_column_of_hidden_mobiles_is_classified_as_mobiles() -> None:
    values = [f"13{d}\u200b{d}{d}0\u20600{d}{d}\ufeff{d}1" for d in "3456789" * 5]
    report = classify_column("col_a", pa.array(values))
    assert report.entity == "CN_MOBILE", report
    assert all("\u200b" not in example for example in report.examples)


def test_identifier_columns_are_masked_without_their_invisible_characters() -> None:
    """The same identifier with and without hidden characters gets one pseudonym, and a
    partial mask keeps no invisible character."""
    shown = f"{RLO}{MOBILE[::-1]}"
    table = pa.table({"mobile": [MOBILE, HIDDEN, shown], "contact": [HIDDEN, MOBILE, shown]})
    steps = [
        Step("mobile", "pseudonymize", {}, entity="CN_MOBILE"),
        Step("contact", "mask", {"keep_first": 3, "keep_last": 4}, entity="CN_MOBILE"),
    ]
    out = apply_plan(table, steps, MaskContext(secret=b"s" * 32))
    assert len(set(out.column("mobile").to_pylist())) == 1
    assert out.column("contact").to_pylist() == ["138****5678"] * 3
