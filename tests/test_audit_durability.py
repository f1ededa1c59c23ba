"""Durability: a server under steady query load is killed with SIGKILL and restarted; every
request that got a 2xx answer has its event, receipts match, and the chain and tree verify."""

import hashlib
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from app.audit.proofs import hex_list, verify_inclusion
from app.config import Settings
from tests.audit_tools import start_server
from tests.dp_setup import publish_pums
from tests.world import World, auth

WORKERS = 4
PER_WORKER = 400  # an upper bound: the kill ends the load long before


def _load(base: str, world: World, path: str, worker: int, seen: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        for i in range(PER_WORKER):
            epsilon = 0.01 + ((worker * PER_WORKER + i) % 10) * 0.001
            body = {"aggregations": [{"fn": "count"}], "epsilon": epsilon}
            try:
                if i % 3:
                    response = http.post(path, json=body, headers=auth(world.consumer))
                else:
                    response = http.get("/v1/me", headers=auth(world.consumer))
            except httpx.HTTPError:
                return  # the server is gone
            seen.append(
                {
                    "status": response.status_code,
                    "request_id": response.headers.get("x-request-id"),
                    "body": response.json(),
                }
            )


def test_sigkill_under_load_loses_no_acknowledged_event(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    published = publish_pums(client, world, grant_epsilon=5.0)
    path = f"/v1/datasets/{published.dataset_id}/queries"
    log = tmp_path / "server.log"
    process, base = start_server(settings, log)
    seen: list[dict[str, Any]] = []
    threads = [
        threading.Thread(target=_load, args=(base, world, path, n, seen)) for n in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(seen) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=60)
    process, base = start_server(settings, log)
    try:
        _check(base, world, seen)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _check(base: str, world: World, seen: list[dict[str, Any]]) -> None:
    ok = [entry for entry in seen if 200 <= entry["status"] < 300]
    assert len(ok) >= 60
    with httpx.Client(base_url=base, timeout=60) as http:
        events = _all_events(http, world)
        by_request = {event["request_id"]: event for event in events}
        for entry in ok:
            event = by_request[entry["request_id"]]
            assert event["outcome"] == entry["status"]
            receipt = entry["body"].get("receipt")
            if receipt:
                assert events[receipt["event_seq"] - 1]["hash"] == receipt["event_hash"]
        verdict = http.get("/v1/audit/verify", headers=auth(world.auditor)).json()
        assert verdict["ok"] and verdict["checked"] >= len(ok), verdict
        head = http.post("/v1/audit/checkpoints", headers=auth(world.auditor)).json()
        receipt = next(e["body"]["receipt"] for e in reversed(ok) if "receipt" in e["body"])
        proof = http.get(
            "/v1/audit/proofs/inclusion",
            params={"seq": receipt["event_seq"], "tree_size": head["tree_size"]},
            headers=auth(world.consumer),
        ).json()
    leaf = hashlib.sha256(b"\x00" + bytes.fromhex(receipt["event_hash"])).digest()
    root = bytes.fromhex(head["root_hash"])
    verify_inclusion(
        proof["leaf_index"], head["tree_size"], leaf, hex_list(proof["audit_path"]), root
    )


def _all_events(http: httpx.Client, world: World) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = http.get(
            "/v1/audit/events",
            params={"after_seq": after, "limit": 1000},
            headers=auth(world.auditor),
        ).json()
        events.extend(page["items"])
        if page["next"] is None:
            return events
        after = page["next"]
