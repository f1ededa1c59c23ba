"""``suppress_rare`` and ``replace_spans`` (free text with a span finder written here)."""

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pytest

from anonymizers.operators import MaskContext, OperatorError, make_operator
from anonymizers.operators.spans import merge_spans

SECRET = b"k" * 32
MOBILE = re.compile(r"1\d{10}")
NAMES = ("张三", "李四")


def find_spans(texts: Sequence[str]) -> list[list[tuple[str, int, int]]]:
    """A tiny span finder: 11-digit mobile numbers and two known names."""
    found = []
    for text in texts:
        spans = [("CN_MOBILE", m.start(), m.end()) for m in MOBILE.finditer(text)]
        for name in NAMES:
            spans += [("PERSON", m.start(), m.end()) for m in re.finditer(name, text)]
        found.append(spans[::-1])  # unsorted on purpose
    return found


def ctx_with(finder: Any = find_spans) -> MaskContext:
    return MaskContext(secret=SECRET, span_finder=finder)


def replace(column: Any, ctx: MaskContext | None = None, **params: Any) -> Any:
    out = make_operator("replace_spans", params).apply(column, ctx or ctx_with())
    assert out is not None
    return out


# --- suppress_rare -----------------------------------------------------------------------------


def suppress(column: Any, **params: Any) -> Any:
    out = make_operator("suppress_rare", params).apply(column, MaskContext(SECRET))
    assert out is not None
    return out


def test_suppress_rare_counts_over_the_column():
    values = ["护士"] * 5 + ["教师"] * 6 + ["宇航员"] * 2 + ["渔民"] + [None]
    out = suppress(pa.array(values), k=5)
    counts = Counter(v for v in out.to_pylist() if v is not None)
    assert counts == {"护士": 5, "教师": 6}
    assert all(count >= 5 for count in counts.values())
    assert out.to_pylist()[-1] is None


def test_suppress_rare_recounts_each_column_given():
    assert suppress(pa.array(["a", "a", "b"]), k=2).to_pylist() == ["a", "a", None]
    assert suppress(pa.array(["a", "b", "b"]), k=2).to_pylist() == [None, "b", "b"]


def test_suppress_rare_numbers_keep_type_or_take_replacement():
    column = pa.array([1, 1, 2, None])
    out = suppress(column, k=2)
    assert out.type == pa.int64() and out.to_pylist() == [1, 1, None, None]
    with_other = suppress(column, k=2, replacement="其他")
    assert with_other.to_pylist() == ["1", "1", "其他", None]


def test_suppress_rare_chunked_dictionary_and_empty():
    chunked = pa.chunked_array([["a"], ["b", "a"]])
    assert suppress(chunked, k=2).to_pylist() == ["a", None, "a"]
    encoded = pa.array(["x", "y", "x"]).dictionary_encode()
    assert suppress(encoded, k=2).to_pylist() == ["x", None, "x"]
    assert suppress(pa.array([], pa.string())).to_pylist() == []
    assert suppress(pa.nulls(2)).to_pylist() == [None, None]


# --- replace_spans -------------------------------------------------------------------------------


def test_replace_spans_entity_style_leaves_no_raw_span():
    texts = [
        "请联系张三，电话13812345678或13900001111。",
        "无",
        None,
        "",
        "李四说：张三的号是13812345678",
    ]
    out = replace(pa.array(texts)).to_pylist()
    assert out[0] == "请联系<PERSON>，电话<CN_MOBILE>或<CN_MOBILE>。"
    assert out[1:4] == ["无", None, ""]
    assert out[4] == "<PERSON>说：<PERSON>的号是<CN_MOBILE>"
    joined = "".join(v for v in out if v)
    assert not MOBILE.search(joined)
    assert not any(name in joined for name in NAMES)


def test_replace_spans_pseudonym_style_matches_pseudonymize():
    out = replace(pa.array(["打13812345678", "13812345678"]), style="pseudonym").to_pylist()
    column = pa.array(["13812345678"])
    pseudonymized = make_operator("pseudonymize", {"length": 8}).apply(column, ctx_with())
    assert pseudonymized is not None
    (pseudo,) = pseudonymized.to_pylist()
    assert out == [f"打<CN_MOBILE:{pseudo}>", f"<CN_MOBILE:{pseudo}>"]
    other_ctx = MaskContext(b"z" * 32, span_finder=find_spans)
    (other,) = replace(column, other_ctx, style="pseudonym", length=12).to_pylist()
    assert other.startswith("<CN_MOBILE:") and len(other) == len("<CN_MOBILE:>") + 12
    assert pseudo not in other


def test_replace_spans_entity_allow_list():
    out = replace(pa.array(["张三 13812345678"]), entities=["CN_MOBILE"]).to_pylist()
    assert out == ["张三 <CN_MOBILE>"]


def test_replace_spans_batches_and_chunks():
    calls = []

    def counting(texts):
        calls.append(len(texts))
        return find_spans(texts)

    texts = [f"第{i}号 13812345678" for i in range(5)] + [None]
    chunked = pa.chunked_array([texts[:4], texts[4:]])
    out = replace(chunked, ctx_with(counting), batch_size=3)
    assert isinstance(out, pa.ChunkedArray)
    assert calls == [3, 1, 1]
    assert out.to_pylist()[-1] is None
    assert all("13812345678" not in v for v in out.to_pylist()[:-1])


def test_replace_spans_needs_a_finder_and_a_sane_one():
    with pytest.raises(OperatorError, match="span finder"):
        make_operator("replace_spans").apply(pa.array(["x"]), MaskContext(SECRET))
    with pytest.raises(OperatorError, match="1 texts"):
        replace(pa.array(["x"]), ctx_with(lambda texts: []))
    with pytest.raises(OperatorError, match="not \\(entity, start, end\\)"):
        replace(pa.array(["x"]), ctx_with(lambda texts: [[("A", "0", 1)]]))


def test_replace_spans_empty_inputs():
    assert replace(pa.array([], pa.string())).to_pylist() == []
    assert replace(pa.chunked_array([], pa.string())).to_pylist() == []
    assert replace(pa.array([None, None], pa.string())).to_pylist() == [None, None]


def test_merge_spans_overlapping_unsorted_and_out_of_range():
    spans = [("B", 5, 9), ("A", 2, 6), ("C", 20, 30), ("D", 7, 7), ("E", 9, 8), ("F", -3, 1)]
    assert merge_spans(spans, 25, None) == [("F", 0, 1), ("A", 2, 9), ("C", 20, 25)]
    nested = [("INNER", 3, 4), ("OUTER", 0, 10)]
    assert merge_spans(nested, 10, None) == [("OUTER", 0, 10)]
    assert merge_spans([("A", 0, 2), ("B", 2, 4)], 4, None) == [("A", 0, 2), ("B", 2, 4)]
    assert merge_spans([("A", 0, 2), ("B", 1, 4)], 4, frozenset({"B"})) == [("B", 1, 4)]


def test_overlapping_spans_are_replaced_whole():
    def overlapping(texts):
        return [[("NAME", 2, 5), ("ID", 0, 4)] for _ in texts]

    assert replace(pa.array(["abcdefg"]), ctx_with(overlapping)).to_pylist() == ["<ID>fg"]
