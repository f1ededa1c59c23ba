"""The consumer's whole path through HTTP: catalog, request, denial, approval with less ε,
DP queries until the budget is gone, a k-anonymous extract, and refusal after expiry."""

import io
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyarrow.csv as pacsv
import pytest
from starlette.testclient import TestClient

from app.clock import CLOCK
from tests.company_register import IDENTIFIERS, ask, publish_register
from tests.release_flow import wait_job
from tests.world import World, auth


@pytest.fixture
def clock() -> Iterator[None]:
    yield
    CLOCK.reset()


def _query(column: str, epsilon: float) -> dict[str, Any]:
    return {"aggregations": [{"fn": "count"}], "group_by": [column], "epsilon": epsilon}


def _wait_extract(client: TestClient, key: str, extract_id: str) -> dict[str, Any]:
    job = wait_job(
        client, key, client.get(f"/v1/extracts/{extract_id}", headers=auth(key)).json()["job_id"]
    )
    assert job["state"] == "succeeded", job
    body: dict[str, Any] = client.get(f"/v1/extracts/{extract_id}", headers=auth(key)).json()
    return body


def _events(client: TestClient, world: World, action: str) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/audit/events", params={"action": action, "limit": 500}, headers=auth(world.auditor)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_consumer_path_end_to_end(client: TestClient, world: World, clock: None) -> None:
    release = publish_register(client, world)
    consumer, agency = auth(world.consumer), auth(world.agency)

    catalog = client.get("/v1/catalog", headers=consumer).json()["items"]
    entry = next(item for item in catalog if item["dataset_id"] == release.dataset_id)
    names = [column["name"] for column in entry["columns"]]
    assert "address" not in names and "legal_rep" in names
    assert entry["policy"]["extracts"]["quasi_identifiers"] == ["district", "birth_year", "gender"]
    assert len(entry["mock_sample"]) == 20
    raw = {str(v) for column in IDENTIFIERS for v in release.table.column(column).to_pylist()}
    mocked = {str(row[name]) for row in entry["mock_sample"] for name in row}
    assert not raw & mocked

    first = ask(client, world.consumer, release.dataset_id)
    denied = client.post(
        f"/v1/access-requests/{first['id']}/deny",
        json={"reason": "state the model's use more precisely"},
        headers=agency,
    )
    assert denied.status_code == 200, denied.text
    seen = client.get(f"/v1/access-requests/{first['id']}", headers=consumer).json()
    assert seen["state"] == "denied" and seen["reason"] == "state the model's use more precisely"
    assert (
        client.post(
            f"/v1/datasets/{release.dataset_id}/queries",
            json=_query("district", 0.5),
            headers=consumer,
        ).status_code
        == 403
    )

    second = ask(client, world.consumer, release.dataset_id, purpose="SME credit scoring, v2")
    approved = client.post(
        f"/v1/access-requests/{second['id']}/approve", json={"epsilon": 1.0}, headers=agency
    )
    assert approved.status_code == 201, approved.text
    grant = approved.json()
    assert grant["epsilon_total"] == 1.0 and grant["state"] == "active"

    path = f"/v1/datasets/{release.dataset_id}/queries"
    for column in ("district", "gender"):
        answered = client.post(path, json=_query(column, 0.5), headers=consumer)
        assert answered.status_code == 200, answered.text
    total = {"aggregations": [{"fn": "count"}], "epsilon": 0.5}
    exhausted = client.post(path, json=total, headers=consumer)
    assert exhausted.status_code == 409 and exhausted.json()["error"] == "BudgetExceeded"

    started = client.post(
        f"/v1/datasets/{release.dataset_id}/extracts", json={"format": "csv"}, headers=consumer
    )
    assert started.status_code == 202, started.text
    extract = _wait_extract(client, world.consumer, started.json()["id"])
    download = client.get(f"/v1/extracts/{extract['id']}/download", headers=consumer)
    assert download.status_code == 200, download.text
    assert download.headers["X-Content-SHA256"] == extract["sha256"]
    text = download.content.decode("utf-8")
    for column in ("legal_rep", "id_number", "mobile"):
        for value in release.table.column(column).to_pylist():
            assert value not in text, f"raw {column} value leaked into the extract"
    rows = pacsv.read_csv(io.BytesIO(download.content)).to_pylist()
    classes = Counter((r["district"], r["birth_year"], r["gender"]) for r in rows)
    assert classes and min(classes.values()) >= 5
    assert extract["report"]["suppressed_rows"] == release.table.num_rows - len(rows)

    CLOCK.advance(timedelta(days=31))
    late = client.post(path, json=_query("district", 0.1), headers=consumer)
    assert late.status_code == 403 and "expired" in late.json()["detail"]
    gone = client.get(f"/v1/extracts/{extract['id']}/download", headers=consumer)
    assert gone.status_code == 403 and "expired" in gone.json()["detail"]
    assert (
        client.get(f"/v1/access-requests/{second['id']}", headers=consumer).json()["state"]
        == "expired"
    )

    purpose = "SME credit scoring, v2"
    for action in ("access_requests.approve", "queries.run", "extracts.create", "grants.expire"):
        events = [e for e in _events(client, world, action) if e["outcome"] < 300]
        assert events and all(e["details"]["purpose"] == purpose for e in events), action
    (downloaded,) = _events(client, world, "extracts.download")[:1]
    assert downloaded["details"]["sha256"] == extract["sha256"]
    assert downloaded["details"]["purpose"] == purpose
    (denial,) = _events(client, world, "access_requests.deny")
    assert denial["details"]["reason"] and denial["details"]["purpose"] == first["purpose"]
    filed = [e["details"]["purpose"] for e in _events(client, world, "access_requests.create")]
    assert filed == [first["purpose"], purpose]
