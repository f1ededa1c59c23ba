"""The ``generalize`` operator: numeric and age bands, dates, postcodes and addresses."""

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from anonymizers.operators import MaskContext, OperatorError, make_operator

CTX = MaskContext(secret=b"k" * 32)


def gen(column: Any, **params: Any) -> Any:
    out = make_operator("generalize", params).apply(column, CTX)
    assert out is not None
    assert out.type == pa.string()
    return out.to_pylist()


# --- numeric_band -----------------------------------------------------------------------------


def test_numeric_band_default_width():
    values = pa.array([35, 0, 9, 10, 39, None, 120])
    assert gen(values, kind="numeric_band") == [
        "30-39",
        "0-9",
        "0-9",
        "10-19",
        "30-39",
        None,
        "120-129",
    ]


def test_numeric_band_floats_are_floored_and_non_finite_become_null():
    values = pa.array([35.5, 39.99, 40.0, float("nan"), float("inf"), None])
    assert gen(values, kind="numeric_band") == ["30-39", "30-39", "40-49", None, None, None]


def test_numeric_band_open_bands():
    values = pa.array([5, 17, 18, 27, 28, 64, 65, 1000])
    out = gen(values, kind="numeric_band", width=10, lower=18, upper=65)
    assert out == ["<18", "<18", "18-27", "18-27", "28-37", "58-64", "65+", "65+"]


def test_numeric_band_wide_values_and_strings():
    salaries = pa.array([12345.67, 999.0, 250000])
    assert gen(salaries, kind="numeric_band", width=1000) == [
        "12000-12999",
        "0-999",
        "250000-250999",
    ]
    assert gen(pa.array(["35", None]), kind="numeric_band") == ["30-39", None]
    assert gen(pa.array([3], pa.int8()), kind="numeric_band", width=1) == ["3"]


def test_numeric_band_refuses_text_and_wrong_types():
    with pytest.raises(OperatorError, match="not numbers"):
        gen(pa.array(["thirty"]), kind="numeric_band")
    with pytest.raises(OperatorError, match="numeric column"):
        gen(pa.array([dt.date(2024, 1, 1)]), kind="numeric_band")


def test_numeric_band_empty_and_chunked():
    assert gen(pa.array([], pa.int64()), kind="numeric_band") == []
    chunked = pa.chunked_array([[1, 15], [], [None, 25]])
    assert gen(chunked, kind="numeric_band") == ["0-9", "10-19", None, "20-29"]


# --- age_band -----------------------------------------------------------------------------------


def test_age_band_standard_bands():
    ages = pa.array([0, 9, 35, 89, 90, 104, -1, None])
    assert gen(ages, kind="age_band") == ["0-9", "0-9", "30-39", "80-89", "90+", "90+", None, None]


def test_age_band_width_and_upper():
    ages = pa.array([3, 17, 62.5, 64, 65])
    assert gen(ages, kind="age_band", width=5, upper=65) == [
        "0-4",
        "15-19",
        "60-64",
        "60-64",
        "65+",
    ]


# --- date ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        pa.array([dt.date(2024, 3, 5), None]),
        pa.array([dt.datetime(2024, 3, 5, 23, 59), None]),
        pa.array([dt.datetime(2024, 3, 5, 12), None], pa.timestamp("ms", "Asia/Shanghai")),
        pa.array(["2024-03-05", None]),
        pa.array(["2024-03-05T10:00:00", None]),
        pa.array(["2024年3月5日", None]),
        pa.array(["2024/3/5", None]),
        pa.array([dt.date(2024, 3, 5), None], pa.date64()),
    ],
)
def test_date_to_month_and_year(column):
    assert gen(column, kind="date", to="month") == ["2024-03", None]
    assert gen(column, kind="date", to="year") == ["2024", None]


def test_date_default_is_year_and_bad_strings_become_null():
    values = pa.array(["2024-03-05", "not a date", "2024-02-30", "", None])
    assert gen(values, kind="date") == ["2024", None, None, None, None]


def test_date_refuses_numbers_and_handles_empty():
    with pytest.raises(OperatorError, match="kind 'date'"):
        gen(pa.array([20240305]), kind="date")
    assert gen(pa.array([], pa.date32()), kind="date") == []
    assert gen(pa.nulls(2), kind="date") == [None, None]


# --- postcode -----------------------------------------------------------------------------------


def test_postcode_keeps_prefix():
    values = pa.array(["510630", " 100101 ", None])
    assert gen(values, kind="postcode") == ["510***", "100***", None]
    assert gen(pa.array(["510630"]), kind="postcode", keep=2) == ["51****"]


def test_postcode_integers_are_zero_padded():
    assert gen(pa.array([10020, 510630]), kind="postcode") == ["010***", "510***"]


def test_postcode_short_values_are_fully_masked():
    assert gen(pa.array(["51", "510"]), kind="postcode") == ["**", "***"]


# --- address_to_district ---------------------------------------------------------------------


def test_address_to_district():
    values = pa.array(
        [
            "广东省广州市天河区天河路385号",
            "深圳市南山区科技园南区某某小区3栋",
            "北京市朝阳区建国路88号",
            "河北省石家庄市正定县某村",
            None,
            "广东省广州市天河区天河路385号",
        ]
    )
    assert gen(values, kind="address_to_district") == [
        "广东省广州市天河区",
        "广东省深圳市南山区",
        "北京市朝阳区",
        "河北省石家庄市正定县",
        None,
        "广东省广州市天河区",
    ]


def test_address_without_known_division_becomes_null():
    out = gen(pa.array(["某某小区3栋502", "", "abc"]), kind="address_to_district")
    assert out == [None, None, None]


def test_address_never_keeps_street_or_compound():
    out = gen(pa.array(["广州市越秀区解放北路幸福小区8号"]), kind="address_to_district")
    assert out == ["广东省广州市越秀区"]
    assert gen(pa.array([], pa.string()), kind="address_to_district") == []
