"""Masking operators: registry, params validation, drop/keep/redact, mask and pseudonymize."""

import hashlib
import hmac
from typing import Any

import pyarrow as pa
import pytest

from anonymizers.operators import (
    OPERATORS,
    MaskContext,
    Operator,
    OperatorError,
    build_plan,
    make_operator,
    validate_plan,
)
from anonymizers.operators._keyed import hmac_digests

SECRET = b"k" * 32
CTX = MaskContext(secret=SECRET)


def run(name: str, params: Any, column: Any, ctx: MaskContext = CTX) -> Any:
    out = make_operator(name, params).apply(column, ctx)
    return None if out is None else out.to_pylist()


# --- registry, params, context ----------------------------------------------------------------


def test_registry_lists_every_operator():
    assert set(OPERATORS) == {
        "drop",
        "keep",
        "redact",
        "mask",
        "pseudonymize",
        "generalize",
        "date_shift",
        "suppress_rare",
        "replace_spans",
    }
    for name, cls in OPERATORS.items():
        assert cls.name == name
        assert issubclass(cls, Operator)
        assert cls.params_model.model_config["extra"] == "forbid"
        assert cls.params_model.model_config["frozen"] is True


def test_unknown_operator_names_the_known_ones():
    with pytest.raises(OperatorError, match=r"unknown operator 'hash'; known: date_shift, drop"):
        make_operator("hash")


@pytest.mark.parametrize(
    ("name", "params", "param"),
    [
        ("drop", {"x": 1}, "x"),
        ("redact", {"replacement": 5}, "replacement"),
        ("mask", {"keep_first": -1}, "keep_first"),
        ("mask", {"keep_last": "4"}, "keep_last"),
        ("mask", {"char": "**"}, "char"),
        ("mask", {"char": ""}, "char"),
        ("mask", {"keep_first": True}, "keep_first"),
        ("pseudonymize", {"length": 7}, "length"),
        ("pseudonymize", {"length": 65}, "length"),
        ("pseudonymize", {"prefix": 3}, "prefix"),
        ("pseudonymize", {"salt": "x"}, "salt"),
        ("generalize", {}, "kind"),
        ("generalize", {"kind": "zip"}, "kind"),
        ("generalize", {"kind": "numeric_band", "width": 0}, "width"),
        ("generalize", {"kind": "numeric_band", "lower": 10, "upper": 10}, "upper"),
        ("generalize", {"kind": "numeric_band", "to": "year"}, "to"),
        ("generalize", {"kind": "date", "to": "day"}, "to"),
        ("generalize", {"kind": "date", "width": 5}, "width"),
        ("generalize", {"kind": "postcode", "keep": 7}, "keep"),
        ("generalize", {"kind": "age_band", "lower": 5}, "lower"),
        ("generalize", {"kind": "address_to_district", "keep": 2}, "keep"),
        ("date_shift", {"max_days": 0}, "max_days"),
        ("date_shift", {"max_days": 1.5}, "max_days"),
        ("suppress_rare", {"k": 1}, "k"),
        ("suppress_rare", {"replacement": 0}, "replacement"),
        ("replace_spans", {"style": "stars"}, "style"),
        ("replace_spans", {"entities": []}, "entities"),
        ("replace_spans", {"batch_size": 0}, "batch_size"),
        ("replace_spans", {"length": 4}, "length"),
    ],
)
def test_bad_params_name_the_field(name, params, param):
    with pytest.raises(OperatorError) as info:
        make_operator(name, params)
    assert f"'{param}'" in str(info.value)
    assert f"'{name}'" in str(info.value)
    assert info.value.param == param
    assert info.value.operator == name


def test_params_must_be_a_mapping():
    with pytest.raises(OperatorError, match="mapping"):
        make_operator("mask", ["keep_first", 3])  # type: ignore[arg-type]


def test_params_are_frozen():
    op = make_operator("mask", {"keep_first": 2})
    with pytest.raises(ValueError):
        op.params.keep_first = 5  # type: ignore[attr-defined]


def test_validate_plan_names_the_column():
    plan = {"phone": ("mask", {}), "age": ("generalize", {"kind": "age_band", "width": 0})}
    with pytest.raises(OperatorError) as info:
        validate_plan(plan)
    assert str(info.value).startswith("column 'age': operator 'generalize': param 'width'")
    assert info.value.column == "age"
    assert info.value.param == "width"


def test_validate_plan_accepts_lists_and_reports_unknown_names():
    validate_plan({"a": ["keep", {}], "b": ("drop", None)})  # type: ignore[dict-item]
    assert set(build_plan({"a": ("keep", {}), "b": ("mask", {})})) == {"a", "b"}
    with pytest.raises(OperatorError, match="column 'x': unknown operator 'nope'"):
        validate_plan({"x": ("nope", {})})
    with pytest.raises(OperatorError, match="column 'y': plan entry"):
        validate_plan({"y": "mask"})  # type: ignore[dict-item]


def test_context_refuses_a_short_secret():
    with pytest.raises(OperatorError, match="32 bytes"):
        MaskContext(secret=b"short")


# --- drop, keep, redact ------------------------------------------------------------------------


def test_drop_and_keep():
    column = pa.array(["a", None])
    assert make_operator("drop").apply(column, CTX) is None
    assert make_operator("keep").apply(column, CTX) is column


@pytest.mark.parametrize(
    "column",
    [
        pa.array(["张三", None, ""]),
        pa.array([1, None, 3]),
        pa.chunked_array([["x"], [None, "y"]]),
        pa.array(["a", None, "b"]).dictionary_encode(),
    ],
)
def test_redact_keeps_nulls_and_hides_everything_else(column):
    out = make_operator("redact").apply(column, CTX)
    assert out is not None
    assert out.type == pa.string()
    assert out.to_pylist() == ["[REDACTED]", None, "[REDACTED]"]


def test_redact_custom_replacement_and_empty_input():
    assert run("redact", {"replacement": "已删除"}, pa.array(["x"])) == ["已删除"]
    assert run("redact", {}, pa.array([], pa.string())) == []
    assert run("redact", {}, pa.chunked_array([], pa.string())) == []


# --- mask ---------------------------------------------------------------------------------------


def test_mask_mobile_number():
    assert run("mask", {}, pa.array(["13812345678", None])) == ["138****5678", None]


def test_mask_numbers_are_stringified():
    assert run("mask", {}, pa.array([13812345678, None])) == ["138****5678", None]
    assert run("mask", {}, pa.array([13812345678.0])) == ["138****5678"]


def test_mask_cjk():
    column = pa.array(["张三丰", "欧阳娜娜", "李"])
    params = {"keep_first": 1, "keep_last": 0}
    assert run("mask", params, column) == ["张**", "欧***", "*"]
    assert run("mask", {"keep_first": 1, "keep_last": 1, "char": "某"}, column) == [
        "张某丰",
        "欧某某娜",
        "某",
    ]


@pytest.mark.parametrize("value", ["", "1", "123", "1234567", "12345"])
def test_mask_never_leaks_a_short_value(value):
    (out,) = run("mask", {}, pa.array([value]))
    assert out == "*" * len(value)
    assert value == "" or value not in out


def test_mask_long_value_keeps_only_the_ends():
    (out,) = run("mask", {"keep_first": 2, "keep_last": 2, "char": "#"}, pa.array(["abcdefgh"]))
    assert out == "ab####gh"


def test_mask_chunked_empty_and_large_string():
    chunked = pa.chunked_array([["13812345678"], [], [None, "13900001111"]])
    assert run("mask", {}, chunked) == ["138****5678", None, "139****1111"]
    assert run("mask", {}, pa.array([], pa.string())) == []
    large = pa.array(["13812345678"], pa.large_string())
    assert run("mask", {}, large) == ["138****5678"]
    assert run("mask", {}, pa.nulls(2)) == [None, None]


# --- pseudonymize -------------------------------------------------------------------------------


def test_pseudonymize_is_deterministic_and_keyed():
    column = pa.array(["110101199003071234", "张三", None, "张三"])
    first = run("pseudonymize", {}, column)
    assert first == run("pseudonymize", {}, column)
    assert first[1] == first[3]
    assert first[2] is None
    assert first[0] != first[1]
    assert all(len(v) == 16 and int(v, 16) >= 0 for v in first if v is not None)
    other = run("pseudonymize", {}, column, MaskContext(secret=b"z" * 32))
    assert all(a != b for a, b in zip(first, other, strict=True) if a is not None)


def test_pseudonymize_is_plain_hmac_sha256():
    expected = hmac.new(SECRET, "张三".encode(), hashlib.sha256).hexdigest()
    assert run("pseudonymize", {"length": 64}, pa.array(["张三"])) == [expected]
    assert run("pseudonymize", {"length": 9}, pa.array(["张三"])) == [expected[:9]]


@pytest.mark.parametrize("key", [b"k" * 32, b"x" * 64, b"y" * 65, b"z" * 200])
def test_hmac_digests_match_the_standard_library(key):
    messages = [b"", b"abc", "身份证".encode() * 50]
    expected = [hmac.digest(key, m, "sha256") for m in messages]
    assert hmac_digests(key, messages) == expected


def test_pseudonymize_never_contains_the_raw_value():
    values = ["13812345678", "user@example.com", "张三", "A"]
    out = run("pseudonymize", {"length": 64}, pa.array(values))
    for raw, pseudo in zip(values, out, strict=True):
        assert raw not in pseudo


def test_pseudonymize_length_prefix_and_canonical_numbers():
    as_text = run("pseudonymize", {"length": 8, "prefix": "P-"}, pa.array(["13812345678"]))
    as_int = run("pseudonymize", {"length": 8, "prefix": "P-"}, pa.array([13812345678]))
    as_float = run("pseudonymize", {"length": 8, "prefix": "P-"}, pa.array([13812345678.0]))
    assert as_text == as_int == as_float
    assert as_text[0].startswith("P-") and len(as_text[0]) == 10


def test_pseudonymize_chunked_dictionary_and_empty():
    chunked = pa.chunked_array([["a", "b"], ["a", None], []])
    out = make_operator("pseudonymize").apply(chunked, CTX)
    assert isinstance(out, pa.ChunkedArray)
    values = out.to_pylist()
    assert values[0] == values[2] and values[3] is None
    assert run("pseudonymize", {}, pa.array(["a", "b", "a"]).dictionary_encode()) == [
        values[0],
        values[1],
        values[0],
    ]
    assert run("pseudonymize", {}, pa.array([], pa.string())) == []
    assert run("pseudonymize", {}, pa.chunked_array([], pa.int64())) == []
    assert run("pseudonymize", {}, pa.nulls(3)) == [None, None, None]
