"""``neutralize_formulas``: cells a spreadsheet would run as a formula are made plain text."""

import datetime as dt

import pyarrow as pa
import pytest

from anonymizers.spreadsheet import FORMULA_STARTS, neutralize_formulas


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_gets_an_apostrophe(start):
    cell = f'{start}HYPERLINK("http://x")'
    out = neutralize_formulas(pa.table({"note": [cell, "plain"]}))
    assert out.column("note").to_pylist() == ["'" + cell, "plain"]


def test_the_listed_starts_are_exactly_the_owasp_ones():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


def test_safe_cells_and_nulls_are_kept():
    values = ["abc", "a=b", " =1", "", None, "'=already", "中文=1", "\n=1"]
    out = neutralize_formulas(pa.table({"v": values}))
    assert out.column("v").to_pylist() == values


def test_non_string_columns_are_untouched():
    table = pa.table(
        {
            "n": pa.array([-5, 3, None]),
            "x": pa.array([-1.5, float("nan"), 2.0]),
            "d": pa.array([dt.date(2024, 1, 1), None, dt.date(2020, 5, 6)]),
            "b": pa.array([True, False, None]),
            "s": ["-1", "1", None],
        }
    )
    out = neutralize_formulas(table)
    assert out.schema == table.schema
    for name in ("n", "x", "d", "b"):  # the very same buffers, not a copy
        before, after = table.column(name).chunk(0), out.column(name).chunk(0)
        assert [b.address for b in after.buffers() if b] == [
            b.address for b in before.buffers() if b
        ]
    assert out.column("s").to_pylist() == ["'-1", "1", None]


def test_large_strings_chunks_and_dictionaries():
    chunked = pa.chunked_array([["=a", "b"], ["+c", None]], type=pa.large_string())
    dictionary = pa.array(["@x", "y", "@x", None]).dictionary_encode()
    out = neutralize_formulas(pa.table({"l": chunked, "d": dictionary}))
    assert out.schema.field("l").type == pa.large_string()
    assert out.column("l").num_chunks == 2
    assert out.column("l").to_pylist() == ["'=a", "b", "'+c", None]
    assert pa.types.is_dictionary(out.schema.field("d").type)
    assert out.column("d").to_pylist() == ["'@x", "y", "'@x", None]


def test_column_names_only_on_request():
    table = pa.table({"=cmd": ["1"], "ok": ["=2"]})
    assert neutralize_formulas(table).column_names == ["=cmd", "ok"]
    named = neutralize_formulas(table, include_names=True)
    assert named.column_names == ["'=cmd", "ok"]
    assert named.column("ok").to_pylist() == ["'=2"]


def test_empty_table_keeps_its_schema():
    table = pa.table({"s": pa.array([], pa.string()), "n": pa.array([], pa.int64())})
    out = neutralize_formulas(table)
    assert out.num_rows == 0
    assert out.schema == table.schema
