"""Every /v1 request leaves one chained event; tampering is found at the right place."""

import csv
import hashlib
import io
import itertools
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from app.config import Settings
from app.db.session import Database
from tests.uploads import new_dataset, post_file
from tests.world import World, auth


def _events(client: TestClient, key: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit/events", params={"limit": 1000, **params}, headers=auth(key))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _independent_hash(event: dict[str, Any]) -> str:
    """The contract's formula, written here without the service's code."""
    body = {key: value for key, value in event.items() if key != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_each_request_appends_one_event_allowed_denied_or_failed(
    client: TestClient, world: World
) -> None:
    calls = [
        (client.get("/v1/me", headers=auth(world.agency)), "me.read", 200, world.agency_id),
        (client.get("/v1/me"), "me.read", 401, None),
        (
            client.post("/v1/orgs", json={"name": "x"}, headers=auth(world.agency)),
            "orgs.create",
            403,
            world.agency_id,
        ),
        (
            client.get("/v1/datasets/ds_nope", headers=auth(world.agency)),
            "datasets.read",
            404,
            world.agency_id,
        ),
        (
            client.post("/v1/datasets", json={}, headers=auth(world.agency)),
            "datasets.create",
            422,
            world.agency_id,
        ),
        (client.get("/v1/missing", headers=auth(world.agency)), "unrouted", 404, None),
    ]
    events = _events(client, world.auditor)
    by_request = {event["request_id"]: event for event in events}
    for response, action, status, actor in calls:
        assert response.status_code == status
        event = by_request[response.headers["x-request-id"]]
        assert (event["action"], event["outcome"]) == (action, status)
        if actor:
            assert event["actor"] == actor and event["role"] == "agency"
        assert event["client"] == "testclient"
    denied = by_request[calls[1][0].headers["x-request-id"]]
    assert denied["role"] == "anonymous" and denied["details"]["error"] == "Unauthorized"
    assert len(events) == len(calls)


def test_hashes_follow_the_published_formula(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency, "登记册")
    post_file(client, world.agency, dataset_id, "区,值\n天河区,1\n".encode())
    events = _events(client, world.auditor)
    assert events[0]["seq"] == 1 and events[0]["prev_hash"] == "0" * 64
    for before, event in itertools.pairwise(events):
        assert event["seq"] == before["seq"] + 1
        assert event["prev_hash"] == before["hash"]
    for event in events:
        assert event["hash"] == _independent_hash(event)
    upload = next(e for e in events if e["action"] == "datasets.upload_version")
    assert upload["dataset_id"] == dataset_id and upload["details"]["rows"] == 1


def test_failed_action_is_rolled_back_but_logged(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, b"a,a\n1,2\n")
    assert response.status_code == 422
    event = _events(client, world.auditor, action="datasets.upload_version")[0]
    assert event["outcome"] == 422 and event["dataset_id"] == dataset_id
    assert event["details"]["error"] == "InvalidFile"


def test_filters_paging_and_exports(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    for _ in range(3):
        client.get("/v1/me", headers=auth(world.consumer))
    client.get("/v1/me")
    everything = _events(client, world.auditor)
    consumer_id = client.get("/v1/me", headers=auth(world.consumer)).json()["principal_id"]
    assert len(_events(client, world.auditor, actor=consumer_id)) == 4
    assert [e["outcome"] for e in _events(client, world.auditor, outcome=401)] == [401]
    assert len(_events(client, world.auditor, dataset_id=dataset_id)) == 1
    middle = everything[2]["time"]
    assert all(e["time"] >= middle for e in _events(client, world.auditor, since=middle))
    assert all(e["time"] < middle for e in _events(client, world.auditor, until=middle))
    page = client.get("/v1/audit/events", params={"limit": 2}, headers=auth(world.admin)).json()
    assert len(page["items"]) == 2 and page["next"] == page["items"][-1]["seq"]
    rest = _events(client, world.auditor, after_seq=page["next"])
    assert rest[0]["seq"] == page["next"] + 1
    jsonl = client.get("/v1/audit/events?format=jsonl", headers=auth(world.auditor)).text
    lines = [json.loads(line) for line in jsonl.splitlines()]
    assert all(line["hash"] == _independent_hash(line) for line in lines)
    raw = client.get("/v1/audit/events?format=csv", headers=auth(world.auditor)).text
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert [int(row["seq"]) for row in rows] == [line["seq"] for line in lines] + [len(lines) + 1]


def test_bad_filter_is_422(client: TestClient, world: World) -> None:
    response = client.get("/v1/audit/events?since=yesterday", headers=auth(world.auditor))
    assert response.status_code == 422 and response.json()["field"] == "since"


def _fill(client: TestClient, world: World, count: int = 8) -> None:
    for _ in range(count):
        client.get("/v1/me", headers=auth(world.agency))


def _verify(client: TestClient, world: World) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/v1/audit/verify", headers=auth(world.auditor)).json()
    return body


def test_verify_passes_on_an_untouched_log(client: TestClient, world: World) -> None:
    _fill(client, world)
    verdict = _verify(client, world)
    assert verdict["ok"] and verdict["first_bad_seq"] is None and verdict["checked"] == 8


@pytest.mark.parametrize(
    ("tamper", "bad_seq"),
    [
        ("UPDATE audit_events SET outcome = 500 WHERE seq = 4", 4),
        ('UPDATE audit_events SET details = \'{"method": "POST"}\' WHERE seq = 6', 6),
        ("DELETE FROM audit_events WHERE seq = 5", 5),
        ("UPDATE audit_events SET seq = CASE seq WHEN 3 THEN 7 ELSE 3 END WHERE seq IN (3, 7)", 3),
    ],
    ids=["edit-outcome", "edit-details", "delete", "reorder"],
)
def test_tampering_is_found_at_the_right_place(
    client: TestClient, world: World, db: Database, settings: Settings, tamper: str, bad_seq: int
) -> None:
    _fill(client, world)
    with db.transaction() as session:
        if "CASE" in tamper:  # swap through a free number: the primary key stays unique
            session.execute(text("UPDATE audit_events SET seq = 1000 WHERE seq = 3"))
            session.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = 7"))
            session.execute(text("UPDATE audit_events SET seq = 7 WHERE seq = 1000"))
        else:
            session.execute(text(tamper))
    verdict = _verify(client, world)
    assert not verdict["ok"] and verdict["first_bad_seq"] == bad_seq, verdict
    cli = _cli_verify(settings)
    assert cli.returncode == 1
    assert f"sequence number {bad_seq}" in cli.stderr


def _cli_verify(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PAZHOU_DATABASE_URL": settings.sqlalchemy_url,
        "PAZHOU_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_verify_passes_on_a_good_log(
    client: TestClient, world: World, settings: Settings
) -> None:
    _fill(client, world, 3)
    result = _cli_verify(settings)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
