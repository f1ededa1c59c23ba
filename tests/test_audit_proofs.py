"""Checkpoints, the signing key, inclusion and consistency proofs over HTTP, checked with the
RFC 9162 verifiers and the contract's note format; who may see what."""

import base64
import hashlib
import os
import stat
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from starlette.testclient import TestClient

from app.audit.checkpoints import verify_checkpoint
from app.audit.proofs import hex_list, verify_consistency, verify_inclusion
from app.audit.signing import load_public_pem
from app.config import Settings
from tests.world import World, auth


def _fill(client: TestClient, world: World, count: int) -> None:
    for _ in range(count):
        client.get("/v1/me", headers=auth(world.agency))


def _get(client: TestClient, key: str | None, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params, headers=auth(key) if key else {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _sign(client: TestClient, world: World) -> dict[str, Any]:
    response = client.post("/v1/audit/checkpoints", headers=auth(world.auditor))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_checkpoint_note_signature_and_key(
    client: TestClient, world: World, settings: Settings
) -> None:
    _fill(client, world, 5)
    head = _sign(client, world)
    key = _get(client, None, "/v1/audit/public-key")
    public = load_public_pem(key["pem"])
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key["key_id"] == hashlib.sha256(raw).hexdigest() == head["key_id"]
    root_b64 = base64.b64encode(bytes.fromhex(head["root_hash"])).decode()
    expected_note = f"pazhou\n{head['tree_size']}\n{root_b64}\n{head['timestamp']}\n"
    assert head["note"] == expected_note and head["timestamp"].endswith("Z")
    public.verify(base64.b64decode(head["signature"]), expected_note.encode())
    verify_checkpoint(head, public)
    key_file = Path(settings.data_dir) / "audit-signing-key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert _get(client, None, "/v1/audit/public-key", key_id=head["key_id"])["pem"] == key["pem"]


def test_old_checkpoints_are_kept_and_consistent(client: TestClient, world: World) -> None:
    _fill(client, world, 3)
    first = _sign(client, world)
    _fill(client, world, 9)
    second = _sign(client, world)
    assert second["tree_size"] > first["tree_size"]
    listed = _get(client, world.auditor, "/v1/audit/checkpoints")["items"]
    sizes = [item["tree_size"] for item in listed]
    assert first["tree_size"] in sizes and second["tree_size"] in sizes
    again = _get(client, world.auditor, "/v1/audit/checkpoint", tree_size=first["tree_size"])
    assert again["root_hash"] == first["root_hash"]
    proof = _get(
        client,
        world.auditor,
        "/v1/audit/proofs/consistency",
        first=first["tree_size"],
        second=second["tree_size"],
    )
    assert proof["first_root"] == first["root_hash"]
    assert proof["second_root"] == second["root_hash"]
    verify_consistency(
        first["tree_size"],
        second["tree_size"],
        bytes.fromhex(first["root_hash"]),
        bytes.fromhex(second["root_hash"]),
        hex_list(proof["proof"]),
    )


def test_every_event_has_a_verifying_inclusion_proof(client: TestClient, world: World) -> None:
    _fill(client, world, 11)
    head = _sign(client, world)
    events = _get(client, world.auditor, "/v1/audit/events", limit=1000)["items"]
    for event in events[: head["tree_size"]]:
        proof = _get(
            client,
            world.auditor,
            "/v1/audit/proofs/inclusion",
            seq=event["seq"],
            tree_size=head["tree_size"],
        )
        leaf = hashlib.sha256(b"\x00" + bytes.fromhex(event["hash"])).digest()
        assert proof["leaf_hash"] == leaf.hex() and proof["leaf_index"] == event["seq"] - 1
        assert proof["root_hash"] == head["root_hash"]
        verify_inclusion(
            proof["leaf_index"],
            proof["tree_size"],
            leaf,
            hex_list(proof["audit_path"]),
            bytes.fromhex(head["root_hash"]),
        )


def test_a_consumer_proves_its_own_receipts_only(client: TestClient, world: World) -> None:
    mine = client.get("/v1/me", headers=auth(world.consumer))
    _fill(client, world, 2)
    events = _get(client, world.auditor, "/v1/audit/events")["items"]
    own = next(e for e in events if e["request_id"] == mine.headers["x-request-id"])
    other = next(e for e in events if e["actor"] == world.agency_id)
    proof = _get(client, world.consumer, "/v1/audit/proofs/inclusion", seq=own["seq"])
    head = _get(client, world.consumer, "/v1/audit/checkpoint")
    assert proof["tree_size"] <= head["tree_size"]
    denied = client.get(
        "/v1/audit/proofs/inclusion", params={"seq": other["seq"]}, headers=auth(world.consumer)
    )
    assert denied.status_code == 404 and denied.json()["error"] == "NotFound"
    listing = client.get("/v1/audit/checkpoints", headers=auth(world.consumer))
    assert listing.status_code == 403


def test_bad_proof_requests_are_4xx(client: TestClient, world: World) -> None:
    _fill(client, world, 3)
    cases = [
        ("/v1/audit/proofs/inclusion", {"seq": 0}, 422),
        ("/v1/audit/proofs/inclusion", {"seq": 2, "tree_size": 1}, 422),
        ("/v1/audit/proofs/inclusion", {"seq": 2, "tree_size": 10_000}, 422),
        ("/v1/audit/proofs/inclusion", {"seq": 10_000}, 404),
        ("/v1/audit/proofs/consistency", {"first": 3, "second": 2}, 422),
        ("/v1/audit/proofs/consistency", {"first": 1, "second": 10_000}, 422),
        ("/v1/audit/proofs/consistency", {"first": "x"}, 422),
        ("/v1/audit/checkpoint", {"tree_size": 999_999}, 404),
        ("/v1/audit/public-key", {"key_id": "nothex"}, 422),
    ]
    for path, params, status in cases:
        response = client.get(path, params=params, headers=auth(world.auditor))
        assert response.status_code == status, (path, params, response.text)
        assert set(response.json()) >= {"error", "detail"}
    assert client.get("/v1/audit/checkpoint").status_code == 401
