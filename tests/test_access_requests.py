"""Access requests and grants: validation, who decides, revocation, expiry, visibility."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from app.clock import CLOCK
from app.db.session import Database
from app.services import principals
from tests.company_register import ask, publish_register
from tests.world import World, auth

QUERY = {"aggregations": [{"fn": "count"}], "group_by": ["district"], "epsilon": 0.1}


@pytest.fixture
def clock() -> Iterator[None]:
    yield
    CLOCK.reset()


@pytest.fixture
def dataset_id(client: TestClient, world: World) -> str:
    return publish_register(client, world, rows=120).dataset_id


def _approve(
    client: TestClient, world: World, request_id: str, **body: object
) -> dict[str, object]:
    response = client.post(
        f"/v1/access-requests/{request_id}/approve", json=body, headers=auth(world.agency)
    )
    assert response.status_code == 201, response.text
    grant: dict[str, object] = response.json()
    return grant


def test_request_validation(client: TestClient, world: World, dataset_id: str) -> None:
    post = lambda body: client.post("/v1/access-requests", json=body, headers=auth(world.consumer))  # noqa: E731
    base = {
        "dataset_id": dataset_id,
        "purpose": "research",
        "outputs": ["dp_query"],
        "epsilon": 1.0,
    }
    cases = [
        ({**base, "purpose": ""}, 422, "purpose"),
        ({**base, "outputs": ["raw_rows"]}, 422, "outputs"),
        ({**base, "outputs": []}, 422, "outputs"),
        ({**base, "epsilon": 50.0}, 422, "epsilon"),
        ({**base, "days": 0}, 422, "days"),
        ({**base, "dataset_id": "dts_missing"}, 404, None),
        ({k: v for k, v in base.items() if k != "purpose"}, 422, "purpose"),
    ]
    for body, status, field in cases:
        response = post(body)
        assert response.status_code == status, (body, response.text)
        assert set(response.json()) >= {"error", "detail"}
        if field:
            assert field in response.text
    listed = client.get("/v1/access-requests", headers=auth(world.consumer)).json()
    assert listed["items"] == []


def test_unpublished_dataset_cannot_be_requested(client: TestClient, world: World) -> None:
    created = client.post("/v1/datasets", json={"name": "raw-only"}, headers=auth(world.agency))
    body = {"dataset_id": created.json()["id"], "purpose": "x", "outputs": ["dp_query"]}
    response = client.post("/v1/access-requests", json=body, headers=auth(world.consumer))
    assert response.status_code == 404


def test_approval_never_exceeds_the_request(
    client: TestClient, world: World, dataset_id: str
) -> None:
    request = ask(client, world.consumer, dataset_id, epsilon=1.0, days=10)
    url = f"/v1/access-requests/{request['id']}/approve"
    more = client.post(url, json={"epsilon": 1.5}, headers=auth(world.agency))
    assert more.status_code == 422 and more.json()["field"] == "epsilon"
    later = (CLOCK.now() + timedelta(days=11)).isoformat()
    longer = client.post(url, json={"expires_at": later}, headers=auth(world.agency))
    assert longer.status_code == 422 and longer.json()["field"] == "expires_at"
    past = (CLOCK.now() - timedelta(days=1)).isoformat()
    assert (
        client.post(url, json={"expires_at": past}, headers=auth(world.agency)).status_code == 422
    )
    shorter = (CLOCK.now() + timedelta(days=2)).isoformat()
    grant = _approve(client, world, request["id"], epsilon=0.4, expires_at=shorter)
    assert grant["epsilon_total"] == 0.4 and grant["access_request_id"] == request["id"]
    again = client.post(url, json={}, headers=auth(world.agency))
    assert again.status_code == 409
    deny = client.post(
        f"/v1/access-requests/{request['id']}/deny",
        json={"reason": "x"},
        headers=auth(world.agency),
    )
    assert deny.status_code == 409


def test_only_the_owning_agency_decides(client: TestClient, world: World, dataset_id: str) -> None:
    request = ask(client, world.consumer, dataset_id)
    for key, status in ((world.other_agency, 404), (world.consumer, 403), (world.auditor, 403)):
        for verb, body in (("approve", {}), ("deny", {"reason": "no"})):
            response = client.post(
                f"/v1/access-requests/{request['id']}/{verb}", json=body, headers=auth(key)
            )
            assert response.status_code == status, (verb, response.text)
    missing_reason = client.post(
        f"/v1/access-requests/{request['id']}/deny",
        json={"reason": " "},
        headers=auth(world.agency),
    )
    assert missing_reason.status_code == 422
    state = client.get(f"/v1/access-requests/{request['id']}", headers=auth(world.agency)).json()
    assert state["state"] == "pending"


def test_requests_are_visible_to_their_parties(
    client: TestClient, world: World, db: Database, dataset_id: str
) -> None:
    request = ask(client, world.consumer, dataset_id)
    with db.transaction() as session:
        company = principals.create_org(session, "Rival AI Co")
        rival = principals.principal_with_key(session, company.id, "consumer", "rival").key

    def ids(key: str) -> list[str]:
        response = client.get("/v1/access-requests", headers=auth(key))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(world.consumer) == [request["id"]]
    assert ids(world.agency) == [request["id"]]
    assert ids(world.auditor) == [request["id"]]
    assert ids(world.other_agency) == [] and ids(rival) == []
    one = f"/v1/access-requests/{request['id']}"
    assert client.get(one, headers=auth(rival)).status_code == 404
    assert client.get(one, headers=auth(world.other_agency)).status_code == 404
    assert client.get("/v1/access-requests", headers=auth(world.admin)).status_code == 403
    pending = client.get(
        "/v1/access-requests", params={"state": "denied"}, headers=auth(world.agency)
    )
    assert pending.json()["items"] == []


def test_revoked_grant_refuses_with_the_reason(
    client: TestClient, world: World, dataset_id: str
) -> None:
    grant = _approve(client, world, ask(client, world.consumer, dataset_id)["id"])
    path = f"/v1/datasets/{dataset_id}/queries"
    assert client.post(path, json=QUERY, headers=auth(world.consumer)).status_code == 200
    revoke = f"/v1/grants/{grant['id']}/revoke"
    assert (
        client.post(revoke, json={"reason": "x"}, headers=auth(world.other_agency)).status_code
        == 404
    )
    revoked = client.post(revoke, json={"reason": "purpose breached"}, headers=auth(world.agency))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    refused = client.post(path, json=QUERY, headers=auth(world.consumer))
    assert refused.status_code == 403
    assert (
        "purpose breached" in refused.json()["detail"]
        and refused.json()["grant_state"] == "revoked"
    )
    extract = client.post(
        f"/v1/datasets/{dataset_id}/extracts", json={}, headers=auth(world.consumer)
    )
    assert extract.status_code == 403
    assert (
        client.post(revoke, json={"reason": "again"}, headers=auth(world.agency)).status_code == 409
    )
    budgets = client.get("/v1/budgets", headers=auth(world.consumer)).json()["grants"]
    assert budgets[0]["state"] == "revoked" and budgets[0]["revoke_reason"] == "purpose breached"


def test_expiry_is_recorded_once_and_refuses(
    client: TestClient, world: World, dataset_id: str, clock: None
) -> None:
    grant = _approve(client, world, ask(client, world.consumer, dataset_id, days=3)["id"])
    path = f"/v1/datasets/{dataset_id}/queries"
    assert client.post(path, json=QUERY, headers=auth(world.consumer)).status_code == 200
    CLOCK.advance(timedelta(days=2, hours=23))
    assert (
        client.post(path, json=QUERY | {"epsilon": 0.2}, headers=auth(world.consumer)).status_code
        == 200
    )
    CLOCK.advance(timedelta(hours=2))
    for _ in range(2):
        refused = client.post(path, json=QUERY | {"epsilon": 0.3}, headers=auth(world.consumer))
        assert refused.status_code == 403 and refused.json()["grant_state"] == "expired"
    events = client.get(
        "/v1/audit/events", params={"action": "grants.expire"}, headers=auth(world.auditor)
    ).json()["items"]
    assert [e["resource"] for e in events] == [f"grant/{grant['id']}"]
    assert events[0]["details"]["consumer_id"] == grant["consumer_id"]
    revoke = client.post(
        f"/v1/grants/{grant['id']}/revoke", json={"reason": "late"}, headers=auth(world.agency)
    )
    assert revoke.status_code == 409 and "expired" in revoke.json()["detail"]


def test_budgets_by_role(client: TestClient, world: World, dataset_id: str) -> None:
    grant = _approve(client, world, ask(client, world.consumer, dataset_id, epsilon=1.0)["id"])
    client.post(f"/v1/datasets/{dataset_id}/queries", json=QUERY, headers=auth(world.consumer))
    mine = client.get("/v1/budgets", headers=auth(world.consumer)).json()
    (entry,) = mine["grants"]
    assert entry["grant_id"] == grant["id"] and entry["state"] == "active"
    assert entry["epsilon_spent"] == pytest.approx(0.1) and entry[
        "epsilon_remaining"
    ] == pytest.approx(0.9)
    agency = client.get("/v1/budgets", headers=auth(world.agency)).json()
    assert [g["grant_id"] for g in agency["grants"]] == [grant["id"]]
    assert agency["datasets"][0]["epsilon_total"] == 3.0
    assert client.get("/v1/budgets", headers=auth(world.other_agency)).json()["grants"] == []
    assert len(client.get("/v1/budgets", headers=auth(world.auditor)).json()["grants"]) == 1
