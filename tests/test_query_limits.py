"""Query complexity limits (configurable, 422 naming the field, nothing spent) and the engine
timeout (503 QueryTimeout, the reservation refunded, the event audited)."""

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.config import Settings
from app.db.models import AuditEvent, QueryRecord
from app.db.session import Database
from app.engine.compile import Sql
from app.engine.run import Deadline, fetch_rows
from app.errors import QueryTimeout
from tests.dp_setup import Published, publish_pums
from tests.world import World, auth

LIMITS = {
    "max_query_aggregations": 2,
    "max_query_group_by": 1,
    "max_query_conditions": 1,
    "max_query_bins": 3,
    "max_query_in_values": 2,
    "max_query_groups": 1,
    "query_timeout_seconds": 1e-9,  # every query that reaches the engine times out
}
COUNT: dict[str, Any] = {"aggregations": [{"fn": "count"}], "epsilon": 0.5}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=LIMITS)


@pytest.fixture
def pums(client: TestClient, world: World) -> Published:
    return publish_pums(client, world)


def _ask(client: TestClient, world: World, pums: Published, body: dict[str, Any], path: str = ""):  # type: ignore[no-untyped-def]
    url = f"/v1/datasets/{pums.dataset_id}/queries{path}"
    return client.post(url, json=body, headers=auth(world.consumer))


def _spent(client: TestClient, world: World) -> tuple[float, float]:
    budgets = client.get("/v1/budgets", headers=auth(world.auditor)).json()
    return budgets["grants"][0]["epsilon_spent"], budgets["datasets"][0]["epsilon_spent"]


AGE_IS = {"column": "age", "op": ">=", "value": 18}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "aggregations": [
                    {"fn": "count"},
                    {"fn": "sum", "column": "income"},
                    {"fn": "mean", "column": "income"},
                ]
            },
            "aggregations",
        ),
        ({"group_by": ["sex", "educ"], "delta": 1e-8}, "group_by"),
        ({"where": [AGE_IS, AGE_IS]}, "where"),
        (
            {"aggregations": [{"fn": "histogram", "column": "age", "bins": [0, 18, 30, 45, 60]}]},
            "aggregations.0.bins",
        ),
        ({"where": [{"column": "age", "op": "in", "value": [20, 30, 40]}]}, "where.0.value"),
        ({"group_by": ["sex"]}, "group_by"),  # 2 public keys, 1 combination allowed
    ],
)
@pytest.mark.parametrize("path", ["", "/preview"])
def test_queries_over_a_configured_limit_are_422_naming_the_field(
    client: TestClient, world: World, pums: Published, change: dict[str, Any], field: str, path: str
) -> None:
    response = _ask(client, world, pums, {**COUNT, **change}, path)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidInput" and response.json()["field"] == field
    assert "at most" in response.json()["detail"]
    assert _spent(client, world) == (0, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"aggregations": [{"fn": "count"}] * 101}, "aggregations"),
        ({"where": [{"column": "age", "op": "in", "value": list(range(10_001))}]}, "where.0"),
        (
            {"aggregations": [{"fn": "histogram", "column": "age", "bins": list(range(1002))}]},
            "aggregations.0.bins",
        ),
    ],
)
def test_bodies_past_the_fixed_ceilings_are_refused_while_parsed(
    client: TestClient, world: World, pums: Published, change: dict[str, Any], field: str
) -> None:
    response = _ask(client, world, pums, {**COUNT, **change})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError" and response.json()["field"] == field


def test_a_query_past_the_engine_timeout_is_503_and_refunded(
    client: TestClient, world: World, pums: Published, db: Database
) -> None:
    for _ in range(2):  # nothing was released, so nothing is cached: the retry also runs
        response = _ask(client, world, pums, COUNT)
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["error"] == "QueryTimeout" and "nothing was spent" in body["detail"]
    assert _spent(client, world) == (0, 0)
    with db.reading() as session:
        records = session.scalars(select(QueryRecord)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "queries.run")).all()
    assert [r.state for r in records] == ["refunded", "refunded"]
    assert [(e.outcome, e.details["error"]) for e in events] == [(503, "QueryTimeout")] * 2


def test_the_deadline_interrupts_a_running_duckdb_statement() -> None:
    endless = Sql("SELECT sum(hash(i)) FROM range(100000000000) t(i)")
    with pytest.raises(QueryTimeout, match=r"did not finish within 0\.2 s"):
        fetch_rows(endless, None, Deadline(0.2))
    assert fetch_rows(Sql("SELECT 42"), None, Deadline(None)) == [(42,)]
    assert fetch_rows(Sql("SELECT 43"), None, Deadline(30)) == [(43,)]
