"""Generalization hierarchies: labels, each level coarser than the last, defaults and specs."""

import datetime as dt
import itertools
from typing import Any

import pyarrow as pa
import pytest

from anonymizers.hierarchies import (
    DateLevels,
    Hierarchy,
    InvalidSpec,
    NumericBands,
    Prefix,
    ValueMap,
    default_hierarchy,
    hierarchy_from_spec,
)

ZONES = {"天河区": "中心城区", "越秀区": "中心城区", "番禺区": "外围"}
CITY = {"中心城区": "广州市", "外围": "广州市"}


def levels_of(hierarchy: Hierarchy, values: pa.Array) -> list[list[Any]]:
    return [hierarchy.apply(values, level).to_pylist() for level in range(hierarchy.levels + 1)]


def assert_each_level_coarser(hierarchy: Hierarchy, values: pa.Array) -> None:
    """Every value of level i maps to one value of level i + 1 (so classes only merge)."""
    rows = levels_of(hierarchy, values)
    for finer, coarser in itertools.pairwise(rows):
        seen: dict[Any, Any] = {}
        for a, b in zip(finer, coarser, strict=True):
            assert seen.setdefault(a, b) == b, f"{a!r} maps to {seen[a]!r} and {b!r}"
        assert len(set(coarser)) <= len(set(finer))
    assert set(rows[-1]) == {"*"}


CASES = [
    (NumericBands([5, 10, 20]), pa.array([0, 4, 5, 9, 10, 19, 20, 39, 40, 77, -3, None])),
    (NumericBands([0.5, 1, 5]), pa.array([0.1, 0.5, 0.99, 1.0, 4.9, 5.0, -0.2, None])),
    (DateLevels(["day", "month", "quarter", "year", "decade", "century"]),
     pa.array([dt.date(2024, 3, 5), dt.date(2024, 3, 6), dt.date(2024, 4, 1),
               dt.date(2019, 12, 31), dt.date(1999, 1, 1), None])),
    (Prefix([5, 4, 2]), pa.array(["510623", "510630", "510100", "511400", "5", None])),
    (ValueMap([ZONES, CITY]), pa.array(["天河区", "越秀区", "番禺区", "其他", None])),
]  # fmt: skip


@pytest.mark.parametrize(("hierarchy", "values"), CASES)
def test_each_level_is_coarser_and_the_top_is_star(hierarchy, values):
    assert isinstance(hierarchy, Hierarchy)
    assert hierarchy.apply(values, 0).equals(values)
    assert_each_level_coarser(hierarchy, values)
    assert hierarchy.describe(0) == "as is"
    assert hierarchy.describe(hierarchy.levels) == "*"


def test_numeric_bands_labels():
    bands = NumericBands([5, 10])
    values = pa.chunked_array([[34, 35], [None, -1]])
    assert bands.apply(values, 1).to_pylist() == ["[30, 35)", "[35, 40)", None, "[-5, 0)"]
    assert bands.apply(values, 2).to_pylist() == ["[30, 40)", "[30, 40)", None, "[-10, 0)"]
    floats = pa.array([1.25, float("nan"), float("inf")])
    assert NumericBands([0.5]).apply(floats, 1).to_pylist() == ["[1, 1.5)", None, None]
    assert NumericBands([10]).apply(pa.array(["42", None]), 1).to_pylist() == ["[40, 50)", None]
    assert [bands.describe(i) for i in range(4)] == ["as is", "bands of 5", "bands of 10", "*"]


def test_numeric_bands_refuse_text():
    with pytest.raises(ValueError, match="numbers"):
        NumericBands([10]).apply(pa.array(["abc"]), 1)


def test_dates_from_dates_timestamps_and_strings_agree():
    levels = DateLevels(["month", "year", "decade"])
    dates = pa.array([dt.date(2024, 3, 5), None])
    stamps = pa.array([dt.datetime(2024, 3, 5, 13, 30), None])
    text = pa.array(["2024年3月5日", "not a date"])
    for values in (dates, stamps, text):
        assert [levels.apply(values, i).to_pylist() for i in (1, 2, 3)] == [
            ["2024-03", None],
            ["2024", None],
            ["2020-2029", None],
        ]
    assert DateLevels(["quarter"]).apply(dates, 1).to_pylist() == ["2024-Q1", None]
    assert [levels.describe(i) for i in range(5)] == ["as is", "month", "year", "decade", "*"]


def test_prefix_and_value_map_labels():
    prefix = Prefix([3])
    assert prefix.apply(pa.array([510623, None]), 1).to_pylist() == ["510*", None]
    assert prefix.describe(1) == "prefix 3"
    zones = ValueMap([ZONES, CITY], names=["zone", "city"])
    assert zones.apply(pa.array(["天河区", "其他"]), 2).to_pylist() == ["广州市", "其他"]
    assert [zones.describe(i) for i in range(4)] == ["as is", "zone", "city", "*"]


def test_without_full_suppression_the_top_is_the_last_step():
    bands = NumericBands([10], full_suppression=False)
    assert bands.levels == 1
    assert bands.apply(pa.array([12]), 1).to_pylist() == ["[10, 20)"]
    with pytest.raises(ValueError, match="level 2"):
        bands.apply(pa.array([12]), 2)
    with pytest.raises(ValueError, match="level -1"):
        bands.describe(-1)


def test_suppression_only_hierarchy():
    star = ValueMap([])
    assert star.levels == 1
    assert star.apply(pa.array([True, None]), 1).to_pylist() == ["*", "*"]


def test_defaults_per_type():
    assert isinstance(default_hierarchy(pa.int64()), NumericBands)
    assert isinstance(default_hierarchy(pa.float32()), NumericBands)
    assert isinstance(default_hierarchy(pa.date32()), DateLevels)
    assert isinstance(default_hierarchy(pa.timestamp("us")), DateLevels)
    assert isinstance(default_hierarchy(pa.string()), Prefix)
    assert isinstance(default_hierarchy(pa.dictionary(pa.int32(), pa.string())), Prefix)
    boolean = default_hierarchy(pa.bool_())
    assert boolean.levels == 1 and boolean.describe(1) == "*"


def test_defaults_looking_at_values():
    ages = pa.array(list(range(18, 99)))
    bands = default_hierarchy(pa.int64(), ages)
    assert [bands.describe(i) for i in (1, 2, 3)] == ["bands of 5", "bands of 10", "bands of 50"]
    districts = pa.array(list(ZONES) * 10)
    assert default_hierarchy(pa.string(), districts).levels == 1  # a category: only "*"
    postcodes = pa.array([f"5106{i:02d}" for i in range(60)])
    codes = default_hierarchy(pa.string(), postcodes)
    assert [codes.describe(i) for i in range(1, 6)] == [f"prefix {n}" for n in (5, 4, 3, 2, 1)]


def test_specs_build_each_kind():
    bands = hierarchy_from_spec({"type": "bands", "widths": [5, 10]})
    assert isinstance(bands, NumericBands) and bands.levels == 3
    dates = hierarchy_from_spec({"type": "dates", "units": ["year"], "full_suppression": False})
    assert isinstance(dates, DateLevels) and dates.levels == 1
    assert hierarchy_from_spec({"type": "dates"}).levels == 4
    prefix = hierarchy_from_spec({"type": "prefix", "lengths": [4, 2]})
    assert prefix.apply(pa.array(["510623"]), 2).to_pylist() == ["51*"]
    taxonomy = hierarchy_from_spec({"type": "map", "levels": [ZONES, CITY], "names": ["z", "c"]})
    assert taxonomy.apply(pa.array(["番禺区"]), 2).to_pylist() == ["广州市"]
    assert hierarchy_from_spec({"type": "suppress"}).levels == 1


BAD_SPECS = [
    ("not a mapping", "type"),
    ({}, "type"),
    ({"type": "buckets"}, "type"),
    ({"type": "bands"}, "widths"),
    ({"type": "bands", "widths": "10"}, "widths"),
    ({"type": "bands", "widths": [10, -20]}, "widths"),
    ({"type": "bands", "widths": [10, 25]}, "widths"),
    ({"type": "bands", "widths": [10, 10]}, "widths"),
    ({"type": "bands", "widths": [True]}, "widths"),
    ({"type": "bands", "widths": [10], "width": 5}, "width"),
    ({"type": "bands", "widths": [10], "full_suppression": "yes"}, "full_suppression"),
    ({"type": "dates", "units": ["week"]}, "units"),
    ({"type": "dates", "units": ["year", "month"]}, "units"),
    ({"type": "prefix", "lengths": [2, 4]}, "lengths"),
    ({"type": "prefix", "lengths": [3, 0]}, "lengths"),
    ({"type": "prefix", "lengths": [3.5]}, "lengths"),
    ({"type": "map"}, "levels"),
    ({"type": "map", "levels": {"a": "b"}}, "levels"),
    ({"type": "map", "levels": [{"a": 1}]}, "levels"),
    ({"type": "map", "levels": [{"a": "b"}], "names": ["x", "y"]}, "names"),
    ({"type": "suppress", "full_suppression": False}, "full_suppression"),
]


@pytest.mark.parametrize(("spec", "key"), BAD_SPECS)
def test_invalid_specs_name_the_key(spec, key):
    with pytest.raises(InvalidSpec) as caught:
        hierarchy_from_spec(spec)
    assert caught.value.key == key
    assert f"'{key}'" in str(caught.value)
    assert isinstance(caught.value, ValueError)
