"""Parsed policies and published versions are cached per process by row, so the next request
after a new policy or a new publication must already see it (queries and catalog alike)."""

import copy
from typing import Any

from starlette.testclient import TestClient

from tests.dp_setup import POLICY, publish_pums
from tests.release_flow import wait_job
from tests.world import World, auth

QUERY = {"aggregations": [{"fn": "sum", "column": "income"}], "epsilon": 0.8}


def _catalog_entry(client: TestClient, world: World, dataset_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/catalog/{dataset_id}", headers=auth(world.consumer))
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


def _income_upper(entry: dict[str, Any]) -> float:
    numeric = entry["policy"]["statistics"]["numeric"]
    return next(c["upper"] for c in numeric if c["column"] == "income")


def test_a_new_policy_is_seen_by_the_next_query_and_catalog_read(
    client: TestClient, world: World
) -> None:
    published = publish_pums(client, world)
    path = f"/v1/datasets/{published.dataset_id}/queries"
    assert client.post(path, json=QUERY, headers=auth(world.consumer)).status_code == 200
    assert _income_upper(_catalog_entry(client, world, published.dataset_id)) == 500000

    stricter = copy.deepcopy(POLICY)
    stricter["max_query_epsilon"] = 0.5
    stricter["columns"]["income"]["upper"] = 100000
    put = client.put(
        f"/v1/datasets/{published.dataset_id}/policy", json=stricter, headers=auth(world.agency)
    )
    assert put.status_code == 200, put.text

    refused = client.post(path, json=QUERY, headers=auth(world.consumer))
    assert refused.status_code == 422 and "max_query_epsilon" in refused.json()["detail"]
    entry = _catalog_entry(client, world, published.dataset_id)
    assert _income_upper(entry) == 100000
    assert entry["policy"]["budget"]["max_query_epsilon"] == 0.5


def test_a_new_publication_and_the_budget_left_are_seen_at_once(
    client: TestClient, world: World
) -> None:
    published = publish_pums(client, world)
    before = _catalog_entry(client, world, published.dataset_id)
    path = f"/v1/datasets/{published.dataset_id}/queries"
    answer = client.post(path, json={**QUERY, "epsilon": 0.25}, headers=auth(world.consumer))
    assert answer.status_code == 200, answer.text
    after_query = _catalog_entry(client, world, published.dataset_id)
    spent = before["policy"]["budget"]["epsilon_remaining"] - 0.25
    assert after_query["policy"]["budget"]["epsilon_remaining"] == spent

    again = client.post(
        f"/v1/datasets/{published.dataset_id}/publish",
        json={"version": 1},
        headers=auth(world.agency),
    )
    assert wait_job(client, world.agency, again.json()["job_id"])["state"] == "succeeded"
    republished = _catalog_entry(client, world, published.dataset_id)
    assert republished["published_at"] > before["published_at"]
    fresh = client.post(path, json={**QUERY, "epsilon": 0.3}, headers=auth(world.consumer))
    assert fresh.status_code == 200 and fresh.json()["cached"] is False
