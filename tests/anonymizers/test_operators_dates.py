"""The ``date_shift`` operator: per-person consistent offsets within bounds."""

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from anonymizers.operators import MaskContext, OperatorError, make_operator

SECRET = b"k" * 32
BASE = dt.date(2024, 3, 5)


def shift(column: Any, ctx: MaskContext, **params: Any) -> Any:
    out = make_operator("date_shift", params).apply(column, ctx)
    assert out is not None
    return out


def offsets(before: list[Any], after: list[Any]) -> list[Any]:
    return [(b - a).days if a is not None else None for a, b in zip(before, after, strict=True)]


def test_shift_is_consistent_per_person_and_bounded():
    people = [f"p{i % 50}" for i in range(1000)]
    days = [BASE + dt.timedelta(days=i % 17) for i in range(1000)]
    ctx = MaskContext(secret=SECRET, person_ids=pa.array(people))
    out = shift(pa.array(days), ctx, max_days=10)
    assert out.type == pa.date32()
    moved = offsets(days, out.to_pylist())
    per_person: dict[str, set[int]] = {}
    for person, offset in zip(people, moved, strict=True):
        per_person.setdefault(person, set()).add(offset)
    assert all(len(found) == 1 for found in per_person.values())
    used = {next(iter(found)) for found in per_person.values()}
    assert all(1 <= abs(o) <= 10 for o in used)
    assert len(used) > 5, "offsets should vary between people"


def test_intervals_of_one_person_are_preserved():
    ctx = MaskContext(secret=SECRET, person_ids=pa.array(["a", "a"]))
    admitted, discharged = shift(pa.array([BASE, BASE + dt.timedelta(days=9)]), ctx).to_pylist()
    assert (discharged - admitted).days == 9


def test_offset_depends_on_the_secret():
    people = pa.array([f"p{i}" for i in range(40)])
    column = pa.array([BASE] * 40)
    one = shift(column, MaskContext(secret=SECRET, person_ids=people)).to_pylist()
    two = shift(column, MaskContext(secret=b"z" * 32, person_ids=people)).to_pylist()
    assert one != two


def test_offset_is_not_the_pseudonym_of_the_person():
    """The shift must not be derivable from a published pseudonym of the person id."""
    people = pa.array([f"p{i}" for i in range(200)])
    ctx = MaskContext(secret=SECRET, person_ids=people)
    moved = offsets([BASE] * 200, shift(pa.array([BASE] * 200), ctx, max_days=30).to_pylist())
    pseudo = pseudonyms_of(people, ctx)
    naive = []
    for p in pseudo:
        slot = int(p[:16], 16) % 60
        naive.append(slot - 30 if slot < 30 else slot - 29)
    assert sum(a == b for a, b in zip(naive, moved, strict=True)) < 20


def pseudonyms_of(people: Any, ctx: MaskContext) -> Any:
    out = make_operator("pseudonymize", {"length": 64}).apply(people, ctx)
    assert out is not None
    return out.to_pylist()


def test_without_person_ids_one_dataset_offset():
    days = [BASE, BASE + dt.timedelta(days=100), None]
    out = shift(pa.array(days), MaskContext(secret=SECRET), max_days=3).to_pylist()
    moved = offsets(days, out)
    assert moved[0] == moved[1] and 1 <= abs(moved[0]) <= 3
    assert moved[2] is None


def test_null_person_ids_use_the_dataset_offset():
    ctx = MaskContext(secret=SECRET, person_ids=pa.array([None, "x"], pa.string()))
    alone = shift(pa.array([BASE]), MaskContext(secret=SECRET)).to_pylist()
    out = shift(pa.array([BASE, BASE]), ctx).to_pylist()
    assert out[0] == alone[0]


def test_timestamps_keep_type_and_time_of_day():
    ts = pa.array([dt.datetime(2024, 3, 5, 10, 30, 15), None], pa.timestamp("us"))
    for data_type in (pa.timestamp("s"), pa.timestamp("ms"), pa.timestamp("ns"), pa.date64()):
        column = pc.cast(ts, data_type)
        out = shift(column, MaskContext(secret=SECRET))
        assert out.type == data_type
        before, after = column.to_pylist()[0], out.to_pylist()[0]
        assert after != before
        assert abs((after - before).days) <= 30
        assert (after - before).seconds == 0
    tz = pa.array([dt.datetime(2024, 3, 5, 2)], pa.timestamp("s", "Asia/Shanghai"))
    assert shift(tz, MaskContext(secret=SECRET)).type == tz.type


def test_iso_strings_are_shifted_and_returned_as_iso():
    values = ["2024-03-05", "2024-03-05T10:11:12", "2024年3月5日", "2024-02-30", "x", None]
    ctx = MaskContext(secret=SECRET)
    out = shift(pa.array(values), ctx)
    assert out.type == pa.string()
    date_out, time_out, cn_out, invalid, junk, null = out.to_pylist()
    shifted = dt.date.fromisoformat(date_out)
    assert 1 <= abs((shifted - BASE).days) <= 30
    assert time_out == f"{date_out}T10:11:12"
    assert cn_out == date_out
    assert invalid is None and junk is None and null is None


def test_chunked_column_with_differently_chunked_person_ids():
    column = pa.chunked_array([[BASE, BASE], [BASE]])
    people = pa.chunked_array([["a"], ["b", "a"]])
    out = shift(column, MaskContext(secret=SECRET, person_ids=people)).to_pylist()
    assert out[0] == out[2] and len(out) == 3


def test_errors():
    ctx = MaskContext(secret=SECRET, person_ids=pa.array(["a"]))
    with pytest.raises(OperatorError, match="person_ids has 1 rows"):
        shift(pa.array([BASE, BASE]), ctx)
    with pytest.raises(OperatorError, match="date_shift"):
        shift(pa.array([1, 2]), MaskContext(secret=SECRET))


def test_empty_and_all_null():
    ctx = MaskContext(secret=SECRET)
    assert shift(pa.array([], pa.date32()), ctx).to_pylist() == []
    assert shift(pa.chunked_array([], pa.date32()), ctx).to_pylist() == []
    assert shift(pa.array([None, None], pa.date32()), ctx).to_pylist() == [None, None]
    assert shift(pa.array([], pa.string()), ctx).to_pylist() == []
