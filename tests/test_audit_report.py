"""The auditor's report and the purpose filter, from real queries over HTTP; the report's
arithmetic on hand-written events (extract downloads, cached queries, denials)."""

import csv
import io
from typing import Any

from starlette.testclient import TestClient

from app.audit.report import build
from app.config import Settings
from tests.audit_tools import cli, server_env
from tests.dp_setup import publish_pums
from tests.world import World, auth

QUERY = {"aggregations": [{"fn": "count"}], "epsilon": 0.25}


def test_report_and_purpose_filter_over_http(
    client: TestClient, world: World, settings: Settings
) -> None:
    published = publish_pums(client, world)
    path = f"/v1/datasets/{published.dataset_id}/queries"
    for body in (QUERY, QUERY, {**QUERY, "epsilon": 0.5}):
        assert client.post(path, json=body, headers=auth(world.consumer)).status_code == 200
    assert client.post(path, json=QUERY, headers=auth(world.agency)).status_code == 403
    params = {"dataset_id": published.dataset_id}
    report = client.get("/v1/audit/report", params=params, headers=auth(world.auditor)).json()
    consumer = next(a for a in report["actors"] if a["actor"] == published.consumer_id)
    assert consumer["purposes"] == ["labour-market research"]
    assert consumer["queries"] == 3 and consumer["cached_queries"] == 1
    assert consumer["epsilon_spent"] == 0.75 and len(consumer["epsilon_by_day"]) == 1
    agency = next(a for a in report["actors"] if a["actor"] == world.agency_id)
    assert [d["outcome"] for d in agency["denied_attempts"]] == [403]
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    "/v1/audit/report",
                    params={**params, "format": "csv"},
                    headers=auth(world.auditor),
                ).text
            )
        )
    )
    assert {"purpose", "epsilon", "denied", "action_count"} <= {row["kind"] for row in rows}
    own = client.get("/v1/audit/report", params=params, headers=auth(world.agency))
    assert own.status_code == 200
    other = client.get("/v1/audit/report", params=params, headers=auth(world.other_agency))
    assert other.status_code == 404 and other.json()["error"] == "NotFound"
    assert (
        client.get("/v1/audit/report", params=params, headers=auth(world.consumer)).status_code
        == 403
    )
    filtered = client.get(
        "/v1/audit/events",
        params={"purpose": "labour-market research", "limit": 1000},
        headers=auth(world.auditor),
    ).json()["items"]
    assert [e["action"] for e in filtered].count("queries.run") == 3
    assert {e["details"]["purpose"] for e in filtered} == {"labour-market research"}
    printed = cli(["audit", "report", "--dataset-id", published.dataset_id], server_env(settings))
    assert printed.returncode == 0, printed.stderr
    assert '"epsilon_spent": 0.75' in printed.stdout


def _event(seq: int, action: str, outcome: int, **details: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "time": f"2026-11-{seq:02d}T10:00:00.000000Z",
        "actor": "prn_c",
        "role": "consumer",
        "action": action,
        "outcome": outcome,
        "details": details,
    }


def test_report_counts_what_the_issue_names() -> None:
    events = [
        _event(1, "queries.run", 200, epsilon_spent=0.5, cached=False, purpose="p1"),
        _event(1, "queries.run", 200, epsilon_spent=0.25, cached=False, purpose="p1"),
        _event(2, "queries.run", 200, epsilon_spent=0.0, cached=True, purpose="p1"),
        _event(3, "queries.run", 409, purpose="p1"),
        _event(4, "extracts.download", 200, sha256="ab" * 32, grant_id="grt_1", purpose="p2"),
        _event(5, "extracts.download", 404),
        _event(6, "access_requests.create", 429),
    ]
    entry = build("ds_1", events)["actors"][0]
    assert entry["purposes"] == ["p1", "p2"]
    assert entry["epsilon_by_day"] == [{"day": "2026-11-01", "epsilon": 0.75}]
    assert entry["queries"] == 3 and entry["cached_queries"] == 1
    assert entry["extracts_downloaded"] == [
        {"seq": 4, "time": events[4]["time"], "sha256": "ab" * 32, "grant_id": "grt_1"}
    ]
    assert [d["outcome"] for d in entry["denied_attempts"]] == [409, 404, 429]
