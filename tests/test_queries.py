"""DP queries over HTTP: answers, accuracy, cache, preview, budgets, refusals."""

import csv
import statistics
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.dp_setup import PUMS, Published, publish_pums
from tests.world import World, auth

FULL = {
    "aggregations": [
        {"fn": "count"},
        {"fn": "sum", "column": "income"},
        {"fn": "mean", "column": "income"},
        {"fn": "quantile", "column": "age", "q": 0.5},
        {"fn": "histogram", "column": "age", "bins": [0, 18, 30, 45, 60, 100]},
    ],
    "group_by": ["sex"],
    "epsilon": 0.5,
}


@pytest.fixture
def pums(client: TestClient, world: World) -> Published:
    return publish_pums(client, world)


def _ask(
    client: TestClient, world: World, pums: Published, body: dict[str, Any], preview: bool = False
):  # type: ignore[no-untyped-def]
    suffix = "/preview" if preview else ""
    return client.post(
        f"/v1/datasets/{pums.dataset_id}/queries{suffix}", json=body, headers=auth(world.consumer)
    )


def _truth() -> list[dict[str, int]]:
    with PUMS.open() as handle:
        return [{k: int(float(v)) for k, v in row.items()} for row in csv.DictReader(handle)]


def test_grouped_answer_has_every_public_key_and_the_contract_fields(
    client: TestClient, world: World, pums: Published
) -> None:
    response = _ask(client, world, pums, FULL)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["cached"] is False and answer["epsilon_spent"] == 0.5
    assert answer["budget"] == {"grant_remaining": 1.5, "dataset_remaining": 4.5}
    assert [row["sex"] for row in answer["rows"]] == ["0", "1"]
    truth = _truth()
    for row in answer["rows"]:
        true_n = sum(1 for r in truth if str(r["sex"]) == row["sex"])
        assert abs(row["count"] - true_n) <= 60, (row["count"], true_n)
        assert 0 <= row["quantile_0.5_age"] <= 100
        assert len(row["histogram_age"]) == 5
    widths = answer["accuracy"]["half_width"]
    assert answer["accuracy"]["confidence"] == 0.95
    assert widths["count"] > 0 and widths["sum_income"] > widths["count"]
    assert len(widths["mean_income"]) == 2
    receipt = answer["receipt"]
    events = client.get(
        "/v1/audit/events", params={"action": "queries.run"}, headers=auth(world.auditor)
    ).json()["items"]
    assert (events[-1]["seq"], events[-1]["hash"]) == (receipt["event_seq"], receipt["event_hash"])
    assert events[-1]["details"]["epsilon_spent"] == 0.5


def test_repeating_a_query_returns_the_cached_answer_for_free(
    client: TestClient, world: World, pums: Published
) -> None:
    first = _ask(client, world, pums, FULL).json()
    again = _ask(client, world, pums, FULL).json()
    assert again["cached"] is True and again["epsilon_spent"] == 0
    assert again["rows"] == first["rows"] and again["query_id"] == first["query_id"]
    assert again["budget"] == first["budget"]


def test_preview_spends_nothing(client: TestClient, world: World, pums: Published) -> None:
    preview = _ask(client, world, pums, FULL, preview=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["epsilon_cost"] == 0.5 and body["budget"]["grant_remaining"] == 2.0
    assert body["accuracy"]["half_width"]["count"] > 0
    assert sum(body["split"].values()) == pytest.approx(0.5)
    budgets = client.get("/v1/budgets", headers=auth(world.consumer)).json()
    assert budgets["grants"][0]["epsilon_spent"] == 0


def test_budget_runs_out_with_409_and_nothing_computed(
    client: TestClient, world: World, pums: Published
) -> None:
    spent = 0.0
    for low in range(4):
        body = {
            "aggregations": [{"fn": "count"}],
            "where": [{"column": "age", "op": ">=", "value": low}],
            "epsilon": 0.5,
        }
        assert _ask(client, world, pums, body).status_code == 200
        spent += 0.5
    refused = _ask(client, world, pums, {**FULL, "epsilon": 0.25})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "BudgetExceeded"
    assert refused.json()["budget"]["grant_remaining"] == 0
    budgets = client.get("/v1/budgets", headers=auth(world.auditor)).json()
    assert budgets["grants"][0]["epsilon_spent"] == pytest.approx(spent)
    assert budgets["datasets"][0]["epsilon_spent"] == pytest.approx(spent)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"aggregations": [{"fn": "sum", "column": "salary"}]}, "aggregations.0.column"),
        ({"aggregations": [{"fn": "mean", "column": "sex"}]}, "aggregations.0.column"),
        ({"epsilon": 2.0}, "epsilon"),
        ({"group_by": ["married"]}, "group_by.0"),
        ({"group_by": ["educ"]}, "delta"),
        ({"where": [{"column": "race", "op": "=", "value": 1}]}, "where.0.column"),
    ],
)
def test_queries_outside_the_policy_are_422(
    client: TestClient, world: World, pums: Published, change: dict[str, Any], field: str
) -> None:
    response = _ask(client, world, pums, {**FULL, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert (
        client.get("/v1/budgets", headers=auth(world.consumer)).json()["grants"][0]["epsilon_spent"]
        == 0
    )


def test_private_group_keys_use_partition_selection(
    client: TestClient, world: World, pums: Published
) -> None:
    body = {"aggregations": [{"fn": "count"}], "group_by": ["educ"], "epsilon": 1.0, "delta": 1e-8}
    answer = _ask(client, world, pums, body).json()
    truth = _truth()
    shown = {row["educ"] for row in answer["rows"]}
    sizes = {str(e): sum(1 for r in truth if r["educ"] == e) for e in {r["educ"] for r in truth}}
    assert shown and all(sizes[key] > 5 for key in shown)
    assert answer["suppressed_groups"] == len(sizes) - len(shown)


def test_no_grant_no_answer(client: TestClient, world: World, pums: Published) -> None:
    other = client.post(
        f"/v1/datasets/{pums.dataset_id}/queries", json=FULL, headers=auth(world.agency)
    )
    assert other.status_code == 403


def test_mean_is_close_with_a_large_epsilon(
    client: TestClient, world: World, pums: Published
) -> None:
    body = {"aggregations": [{"fn": "mean", "column": "age"}], "epsilon": 1.0}
    answer = _ask(client, world, pums, body).json()
    true_mean = statistics.mean(r["age"] for r in _truth())
    assert abs(answer["rows"][0]["mean_age"] - true_mean) < 3


def test_a_failed_computation_refunds_the_reservation(
    client: TestClient, world: World, pums: Published
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    for path in (settings.data_dir / "published").rglob("*.*"):
        path.rename(path.with_suffix(".moved"))
    response = _ask(client, world, pums, FULL)
    assert response.status_code == 503, response.text
    assert "nothing was spent" in response.json()["detail"]
    budgets = client.get("/v1/budgets", headers=auth(world.auditor)).json()
    assert budgets["grants"][0]["epsilon_spent"] == 0
    assert budgets["datasets"][0]["epsilon_spent"] == 0
    events = client.get(
        "/v1/audit/events", params={"action": "queries.run"}, headers=auth(world.auditor)
    ).json()["items"]
    assert events[-1]["outcome"] == 503


def test_public_keys_match_by_value_not_by_text(
    client: TestClient, world: World, pums: Published
) -> None:
    """PUMS ``income`` is stored as double (some cells read ``1e+05``): the public values
    0 and 17000 must still find their rows (17000 = 17000.0), not come back empty."""
    from tests.dp_setup import POLICY

    columns = {
        **POLICY["columns"],
        "income": {
            "type": "category",
            "public_values": [0, 17000],
            "group_by": True,
            "operator": "keep",
        },
    }
    policy = {**POLICY, "columns": columns}
    put = client.put(
        f"/v1/datasets/{pums.dataset_id}/policy", json=policy, headers=auth(world.agency)
    )
    assert put.status_code == 200, put.text
    body = {"aggregations": [{"fn": "count"}], "group_by": ["income"], "epsilon": 1.0}
    answer = _ask(client, world, pums, body).json()
    truth = _truth()
    for row in answer["rows"]:
        true_n = sum(1 for r in truth if r["income"] == int(row["income"]))
        assert true_n > 0 and abs(row["count"] - true_n) <= 15, (row, true_n)


@pytest.mark.parametrize(
    ("condition", "keep"),
    [
        ({"column": "age", "op": "between", "value": [30, 40]}, lambda r: 30 <= r["age"] <= 40),
        ({"column": "age", "op": "in", "value": [25, 35, 45]}, lambda r: r["age"] in (25, 35, 45)),
        ({"column": "age", "op": "!=", "value": 40}, lambda r: r["age"] != 40),
        ({"column": "age", "op": "<", "value": 30}, lambda r: r["age"] < 30),
    ],
)
def test_where_filters_run_in_the_engine(
    client: TestClient, world: World, pums: Published, condition: dict[str, Any], keep: Any
) -> None:
    body = {"aggregations": [{"fn": "count"}], "where": [condition], "epsilon": 1.0}
    answer = _ask(client, world, pums, body).json()
    true_n = sum(1 for row in _truth() if keep(row))
    assert abs(answer["rows"][0]["count"] - true_n) <= 15, (answer["rows"], true_n)


def test_a_value_never_becomes_sql(client: TestClient, world: World, pums: Published) -> None:
    evil = {"column": "age", "op": "=", "value": "1; DROP TABLE data; --"}
    body = {"aggregations": [{"fn": "count"}], "where": [evil], "epsilon": 0.1}
    response = _ask(client, world, pums, body)
    assert response.status_code == 422 and response.json()["field"] == "where.0.value"
    budgets = client.get("/v1/budgets", headers=auth(world.consumer)).json()
    assert budgets["grants"][0]["epsilon_spent"] == 0
    again = _ask(client, world, pums, {**FULL, "epsilon": 0.1})
    assert again.status_code == 200
