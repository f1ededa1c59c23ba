"""Many clients, several workers, one audit chain: no fork, no gap, every success logged.

Runs against a real uvicorn with two worker processes, on whichever database the suite uses
(PostgreSQL in CI, where appends are serialized by an advisory lock; SQLite by its write lock).
"""

import itertools
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.config import Settings
from tests.conftest import PG_URL
from tests.live_server import live_server
from tests.world import World, auth

THREADS = 16
ROUNDS = 16  # 16 threads x 16 rounds = 256 requests


def _plan(world: World, dataset_id: str) -> list[tuple[str, str, dict[str, object]]]:
    """A mix of reads, writes, uploads, denials and failures."""
    csv_headers = {**auth(world.agency), "Content-Type": "text/csv"}
    kinds = [
        ("GET", "/v1/me", {"headers": auth(world.consumer)}),
        ("GET", "/v1/datasets", {"headers": auth(world.agency)}),
        (
            "POST",
            f"/v1/datasets/{dataset_id}/batches",
            {"headers": csv_headers, "content": b"a,b\n1,x\n"},
        ),
        ("POST", "/v1/datasets", {"headers": auth(world.agency), "json": None}),
        ("GET", "/v1/me", {}),
        ("POST", "/v1/orgs", {"headers": auth(world.consumer), "json": {"name": "x"}}),
        (
            "POST",
            f"/v1/datasets/{dataset_id}/batches",
            {"headers": csv_headers, "content": b"z\n1\n"},
        ),
        ("GET", "/v1/audit/events?limit=5", {"headers": auth(world.auditor)}),
    ]
    return [kinds[i % len(kinds)] for i in range(THREADS * ROUNDS)]


def _send(base: str, index: int, call: tuple[str, str, dict[str, object]]) -> httpx.Response:
    method, path, options = call
    options = dict(options)
    if options.get("json", 0) is None:
        options["json"] = {"name": f"set-{index}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        return client.request(method, path, **options)  # type: ignore[arg-type]


@pytest.mark.skipif(
    not PG_URL,
    reason="PAZHOU_TEST_DATABASE_URL is unset: the multi-worker chain test needs PostgreSQL",
)
def test_two_workers_sixteen_threads_keep_one_chain(world: World, settings: Settings) -> None:
    _run_and_check(world, settings)


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite variant runs in the SQLite pass")
def test_embedded_sqlite_keeps_one_chain_under_concurrency(
    world: World, settings: Settings
) -> None:
    _run_and_check(world, settings)


def _run_and_check(world: World, settings: Settings) -> None:
    with live_server(settings, workers=2) as base:
        first = httpx.post(
            f"{base}/v1/datasets", json={"name": "stream"}, headers=auth(world.agency)
        )
        dataset_id = first.json()["id"]
        seed = httpx.post(
            f"{base}/v1/datasets/{dataset_id}/versions",
            content=b"a,b\n0,seed\n",
            headers={**auth(world.agency), "Content-Type": "text/csv"},
        )
        assert seed.status_code == 201
        plan = _plan(world, dataset_id)
        with ThreadPoolExecutor(THREADS) as pool:
            responses = list(pool.map(_send, itertools.repeat(base), range(len(plan)), plan))
        events = _all_events(base, world)
        verdict = httpx.get(f"{base}/v1/audit/verify", headers=auth(world.auditor)).json()
        dataset = httpx.get(f"{base}/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert verdict["ok"], verdict
    statuses = Counter(response.status_code for response in responses)
    assert statuses[201] >= 64 and statuses[401] and statuses[403] and statuses[422]
    assert not [r for r in responses if r.status_code >= 500]
    _check_chain(events, responses, total=len(plan) + 2)
    _check_batches(dataset, responses)


def _all_events(base: str, world: World) -> list[dict[str, object]]:
    lines = httpx.get(
        f"{base}/v1/audit/events", params={"format": "jsonl"}, headers=auth(world.auditor)
    ).text.splitlines()
    import json

    return [json.loads(line) for line in lines]


def _check_chain(
    events: list[dict[str, object]], responses: list[httpx.Response], total: int
) -> None:
    seqs = [event["seq"] for event in events]
    assert seqs == list(range(1, len(events) + 1)), "gap or fork in sequence numbers"
    for before, event in itertools.pairwise(events):
        assert event["prev_hash"] == before["hash"]
    logged = Counter(event["request_id"] for event in events)
    for response in responses:
        assert logged[response.headers["x-request-id"]] == 1, response.status_code
    # every request of the run, plus the export's own event; the rest are background scan jobs
    from_requests = [event for event in events if event["client"] != "worker"]
    assert len(from_requests) == total + 1


def _check_batches(dataset: dict[str, object], responses: list[httpx.Response]) -> None:
    """Concurrent batches get distinct, consecutive versions and no row is lost."""
    accepted = [r.json() for r in responses if r.status_code == 201 and "added_rows" in r.json()]
    versions = sorted(item["version"] for item in accepted)
    assert versions == list(range(2, 2 + len(accepted)))
    assert dataset["current_version"] == 1 + len(accepted)
    latest = max(dataset["versions"], key=lambda v: v["version"])  # type: ignore[arg-type,index]
    assert latest["rows"] == 1 + len(accepted)
