"""What the schema-driven fuzz found, each pinned by the request that showed it."""

from datetime import datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.db.session import Database
from tests.company_register import ask, publish_register
from tests.conftest import PG_URL
from tests.world import World, auth

TOO_BIG = 2**63  # one past the largest BIGINT


def _error(response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert isinstance(body["error"], str) and isinstance(body["detail"], str)
    return body


def test_a_revoked_key_says_when_with_its_time_zone(client: TestClient, world: World) -> None:
    """SQLite handed ``revoked_at`` back without a zone: not an RFC 3339 date-time."""
    made = client.post(
        "/v1/principals",
        json={"name": "temp", "role": "consumer", "org_id": world.org_id},
        headers=auth(world.admin),
    )
    key_id = client.post(f"/v1/principals/{made.json()['id']}/keys", headers=auth(world.admin))
    revoked = client.delete(f"/v1/keys/{key_id.json()['key_id']}", headers=auth(world.admin))
    assert revoked.status_code == 200, revoked.text
    assert datetime.fromisoformat(revoked.json()["revoked_at"]).tzinfo is not None


def test_an_expiry_given_in_another_zone_is_kept_as_the_same_instant(
    client: TestClient, world: World
) -> None:
    """SQLite dropped the offset of ``expires_at``: +08:00 became UTC, 8 hours off."""
    dataset_id = publish_register(client, world, rows=40).dataset_id
    request_id = ask(client, world.consumer, dataset_id)["id"]
    china = timezone(timedelta(hours=8))
    until = (datetime.now(china) + timedelta(days=2)).replace(microsecond=0)
    path = f"/v1/access-requests/{request_id}/approve"
    approved = client.post(path, json={"expires_at": until.isoformat()}, headers=auth(world.agency))
    assert approved.status_code == 201, approved.text
    grants = client.get("/v1/budgets", headers=auth(world.consumer)).json()["grants"]
    assert [datetime.fromisoformat(g["expires_at"]) for g in grants] == [until]


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("auditor", f"/v1/audit/checkpoints?after_id={TOO_BIG}"),
        ("auditor", f"/v1/audit/events?after_seq={TOO_BIG}"),
        ("agency", f"/v1/datasets/ds_x/versions/{TOO_BIG}/classification"),
    ],
)
def test_numbers_past_what_a_column_holds_are_refused(
    client: TestClient, world: World, key: str, path: str
) -> None:
    """They reached the database: OverflowError on SQLite, out of range on PostgreSQL (500)."""
    body = _error(client.get(path, headers=auth(getattr(world, key))), 422)
    assert body["error"] == "ValidationError"


def test_publishing_a_version_past_what_a_column_holds_is_refused(
    client: TestClient, world: World
) -> None:
    path = "/v1/datasets/ds_x/publish"
    response = client.post(path, json={"version": 2**31}, headers=auth(world.agency))
    assert _error(response, 422)["field"] == "version"


@pytest.mark.parametrize(
    ("key", "method", "path", "body"),
    [
        ("admin", "POST", "/v1/orgs", {"name": "nul\u0000org"}),
        ("agency", "POST", "/v1/datasets", {"name": "nul\u0000set"}),
        ("consumer", "GET", "/v1/access-requests?dataset_id=a%00b", None),
        ("auditor", "GET", "/v1/audit/events?actor=a%00b", None),
    ],
)
def test_text_with_nul_is_refused_where_the_database_cannot_hold_it(
    client: TestClient, world: World, key: str, method: str, path: str, body: object
) -> None:
    """PostgreSQL refuses NUL in text; that was a 500. SQLite stores it."""
    response = client.request(method, path, json=body, headers=auth(getattr(world, key)))
    if PG_URL:
        assert "NUL" in str(_error(response, 422)["detail"])
    else:
        assert response.status_code < 300, response.text


def test_readiness_failure_is_an_error_body(app: FastAPI, client: TestClient) -> None:
    """``/readyz``'s 503 had no ``error``: not the contract's shape."""
    working = app.state.db
    app.state.db = Database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    try:
        body = _error(client.get("/readyz"), 503)
    finally:
        app.state.db.dispose()
        app.state.db = working
    assert body["error"] == "DatabaseUnavailable"


NUL_STATUS = 422 if PG_URL else 404  # PostgreSQL cannot even look a NUL up


@pytest.mark.parametrize(
    ("dataset_id", "status"),
    [("d" * 64, 404), ("a%00b", NUL_STATUS), ("x" * 30 + "%C3%A9" * 10, 404)],
    ids=["long", "nul", "unicode"],
)
def test_an_unknown_id_from_the_path_is_refused_and_audited(
    client: TestClient, world: World, dataset_id: str, status: int
) -> None:
    """PostgreSQL refused the audit event (``dataset_id`` is 40 characters, no NUL): 503."""
    _error(client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)), status)
    params = {"action": "datasets.read"}
    events = client.get("/v1/audit/events", params=params, headers=auth(world.auditor))
    last = events.json()["items"][-1]
    assert last["outcome"] == status and len(last["dataset_id"]) <= 40
