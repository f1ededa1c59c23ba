"""k-anonymity enforcement: every check recomputes the classes on the output in plain Python."""

import datetime as dt
import itertools
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from anonymizers.hierarchies import DateLevels, NumericBands, Prefix, ValueMap
from anonymizers.kanonymity import (
    KAnonymityError,
    enforce_k_anonymity,
    equivalence_class_sizes,
)

QIS = ["age", "zip", "born"]


def class_counts(table: pa.Table, qis: list[str]) -> Counter:
    """Equivalence classes of ``table`` counted with a Counter over its Python rows."""
    columns = [table.column(name).to_pylist() for name in qis]
    return Counter(zip(*columns, strict=True))


def least_diversity(table: pa.Table, qis: list[str], sensitive: str) -> int:
    values: dict[tuple, set] = defaultdict(set)
    rows = zip(*(table.column(n).to_pylist() for n in [*qis, sensitive]), strict=True)
    for *key, value in rows:
        values[tuple(key)].add(value)
    return min((len(v) for v in values.values()), default=0)


def random_table(seed: int, rows: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    ages = rng.integers(18, 90, rows)
    zips = [f"51{z:04d}" for z in rng.integers(0, 40, rows) * 37]
    born = [dt.date(1978, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1500, rows)]
    null = rng.random(rows) < 0.03
    return pa.table(
        {
            "id": pa.array(np.arange(rows)),
            "age": pa.array(ages, mask=null),
            "zip": pa.array(zips),
            "born": pa.array(born, pa.date32()),
            "illness": pa.array(rng.choice(["flu", "cold", "asthma", "none"], rows)),
        }
    )


def hierarchies() -> dict[str, Any]:
    return {
        "age": NumericBands([5, 10, 20]),
        "zip": Prefix([4, 3, 2]),
        "born": DateLevels(["month", "year", "decade"]),
    }


def assert_rows_are_the_input_generalized(source: pa.Table, result: Any) -> None:
    """Each kept row is its input row with every quasi-identifier at the chosen level."""
    ids = result.table.column("id").to_pylist()
    for name, level in result.levels.items():
        expected = hierarchies()[name].apply(source.column(name), level).take(pa.array(ids))
        assert result.table.column(name).to_pylist() == expected.to_pylist()


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_have_no_class_under_k(seed):
    rng = np.random.default_rng(1000 + seed)
    k = int(rng.choice([2, 3, 5, 10, 25]))
    table = random_table(seed, int(rng.integers(50, 3000)))
    limit = float(rng.choice([0.0, 0.02, 0.05, 0.2]))
    result = enforce_k_anonymity(table, QIS, k, hierarchies=hierarchies(), max_suppression=limit)
    counts = class_counts(result.table, QIS)
    assert min(counts.values(), default=0) >= k or result.table.num_rows == 0
    assert result.min_class_size == min(counts.values(), default=0)
    assert result.suppressed_rows == table.num_rows - result.table.num_rows
    if result.within_suppression_limit:
        assert result.suppressed_rows <= limit * table.num_rows
    assert result.generalizations == {
        name: hierarchies()[name].describe(level) for name, level in result.levels.items()
    }
    assert_rows_are_the_input_generalized(table, result)
    assert result.table.column("illness").to_pylist() == [
        table.column("illness")[i].as_py() for i in result.table.column("id").to_pylist()
    ]


@pytest.mark.parametrize("seed", range(4))
def test_l_diversity_holds_on_the_output(seed):
    table = random_table(50 + seed, 1500)
    result = enforce_k_anonymity(
        table, QIS, 4, hierarchies=hierarchies(), sensitive="illness", l=3, max_suppression=0.1
    )
    assert min(class_counts(result.table, QIS).values()) >= 4
    assert least_diversity(result.table, QIS, "illness") >= 3
    assert result.l_diversity == least_diversity(result.table, QIS, "illness")


def brute_force(table: pa.Table, k: int, limit: float) -> dict[tuple, tuple[float, int]]:
    """(loss, suppressed rows) of every node within the limit, all in plain Python."""
    qis = list(hierarchies())
    heights = [hierarchies()[n].levels for n in qis]
    within = {}
    for node in itertools.product(*(range(h + 1) for h in heights)):
        general = [
            hierarchies()[n].apply(table.column(n), lv).to_pylist()
            for n, lv in zip(qis, node, strict=True)
        ]
        counts = Counter(zip(*general, strict=True))
        suppressed = sum(c for c in counts.values() if c < k)
        if suppressed <= limit * table.num_rows:
            loss = round(sum(lv / h for lv, h in zip(node, heights, strict=True)), 9)
            within[node] = (loss, suppressed)
    return within


@pytest.mark.parametrize("seed", range(3))
def test_chosen_node_has_least_loss_then_least_suppression(seed):
    table = random_table(200 + seed, 400)
    result = enforce_k_anonymity(table, QIS, 3, hierarchies=hierarchies(), max_suppression=0.05)
    within = brute_force(table, 3, 0.05)
    node = tuple(result.levels[n] for n in QIS)
    assert node in within
    assert within[node] == min(within.values())
    assert result.suppressed_rows == within[node][1]


def hand_table() -> pa.Table:
    ages = [21, 22, 23, 24, 31, 32, 47]
    genders = ["M", "M", "F", "F", "M", "M", "F"]
    return pa.table({"age": ages, "gender": genders, "pay": [1, 2, 3, 4, 5, 6, 7]})


def test_hand_checked_minimal_node_with_suppression():
    # bands of 5: [20,25) M x2, F x2; [30,35) M x2; [45,50) F x1 -> 1 row suppressed (<= 1/7);
    # gender to * instead keeps every age distinct.
    result = enforce_k_anonymity(
        hand_table(),
        ["age", "gender"],
        2,
        hierarchies={"age": NumericBands([5, 10]), "gender": ValueMap([])},
        max_suppression=0.15,
    )
    assert result.levels == {"age": 1, "gender": 0}
    assert result.generalizations == {"age": "bands of 5", "gender": "as is"}
    assert result.suppressed_rows == 1
    assert result.table.column("pay").to_pylist() == [1, 2, 3, 4, 5, 6]
    assert result.table.column("age").to_pylist()[0] == "[20, 25)"
    assert result.min_class_size == 2


def test_hand_checked_minimal_node_without_suppression():
    # loss 1/3 (bands of 5) and 2/3 (bands of 10) leave the 47-year-old alone; at loss 1,
    # gender -> * fails and age -> * passes (M x4, F x3).
    result = enforce_k_anonymity(
        hand_table(),
        ["age", "gender"],
        2,
        hierarchies={"age": NumericBands([5, 10]), "gender": ValueMap([])},
        max_suppression=0.0,
    )
    assert result.levels == {"age": 3, "gender": 0}
    assert result.generalizations == {"age": "*", "gender": "as is"}
    assert result.suppressed_rows == 0
    assert result.min_class_size == 3


def test_empty_table():
    table = random_table(1, 10).slice(0, 0)
    result = enforce_k_anonymity(table, QIS, 5, hierarchies=hierarchies())
    assert result.table.num_rows == 0
    assert result.suppressed_rows == 0
    assert result.min_class_size == 0
    assert result.levels == {"age": 0, "zip": 0, "born": 0}
    assert equivalence_class_sizes(table, QIS).num_rows == 0


def test_k_of_one_changes_nothing():
    table = random_table(2, 500)
    result = enforce_k_anonymity(table, QIS, 1, hierarchies=hierarchies(), max_suppression=0)
    assert result.table.equals(table)
    assert result.suppressed_rows == 0
    assert set(result.levels.values()) == {0}
    assert result.min_class_size == 1


def test_k_larger_than_the_table_suppresses_everything_and_says_so():
    table = random_table(3, 30)
    result = enforce_k_anonymity(table, QIS, 31, hierarchies=hierarchies())
    assert result.table.num_rows == 0
    assert result.suppressed_rows == 30
    assert not result.within_suppression_limit
    assert result.levels == {"age": 4, "zip": 4, "born": 4}
    assert result.generalizations == {"age": "*", "zip": "*", "born": "*"}
    assert result.min_class_size == 0


def test_nulls_are_a_class_of_their_own():
    table = pa.table({"q": ["a", "a", None, None, "b"], "v": [1, 2, 3, 4, 5]})
    result = enforce_k_anonymity(
        table, ["q"], 2, hierarchies={"q": ValueMap([])}, max_suppression=0.2
    )
    assert result.levels == {"q": 0}
    assert class_counts(result.table, ["q"]) == Counter({("a",): 2, (None,): 2})
    assert result.suppressed_rows == 1


def test_default_hierarchies_chunks_and_dictionaries():
    base = random_table(4, 2000)
    chunked = pa.concat_tables([base.slice(0, 700), base.slice(700)])
    chunked = chunked.set_column(2, "zip", chunked.column("zip").dictionary_encode())
    result = enforce_k_anonymity(chunked, QIS, 5)
    assert min(class_counts(result.table, QIS).values()) >= 5
    assert result.suppressed_rows <= 0.05 * 2000
    assert result.table.num_rows + result.suppressed_rows == 2000


def test_equivalence_class_sizes_match_a_counter():
    table = random_table(5, 800)
    sizes = equivalence_class_sizes(table, ["zip", "age"])
    got = dict(
        zip(
            zip(*(sizes.column(n).to_pylist() for n in ("zip", "age")), strict=True),
            sizes.column("count").to_pylist(),
            strict=True,
        )
    )
    assert got == dict(class_counts(table, ["zip", "age"]))


def test_without_quasi_identifiers_the_table_is_one_class():
    table = random_table(6, 20)
    assert enforce_k_anonymity(table, [], 20).table.num_rows == 20
    assert enforce_k_anonymity(table, [], 21, max_suppression=1.0).suppressed_rows == 20


def test_a_hierarchy_that_is_not_coarser_is_refused():
    class Splitting:
        """Level 1 merges everything, level 2 splits it again: not a hierarchy."""

        levels = 2

        def apply(self, column, level):
            return pa.array(["x"] * len(column)) if level == 1 else column

        def describe(self, level):
            return f"level {level}"

    table = pa.table({"q": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="level 2 is not coarser than 1"):
        enforce_k_anonymity(table, ["q"], 2, hierarchies={"q": Splitting()})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quasi_identifiers": ["nope"]}, "'nope' is not in the table"),
        ({"quasi_identifiers": ["age", "age"]}, "distinct"),
        ({"k": 0}, "positive integer"),
        ({"max_suppression": 1.5}, "max_suppression"),
        ({"l": 2}, "sensitive column"),
        ({"l": 0, "sensitive": "illness"}, "positive integer"),
        ({"sensitive": "age"}, "cannot be a quasi-identifier"),
    ],
)
def test_bad_requests_are_refused(kwargs, message):
    arguments: dict[str, Any] = {"quasi_identifiers": ["age", "zip"], "k": 2} | kwargs
    with pytest.raises(KAnonymityError, match=message):
        enforce_k_anonymity(random_table(7, 20), **arguments)
