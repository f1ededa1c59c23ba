"""Request body limits: JSON and other non-upload bodies are capped and refused with 413 in the
error shape (declared length: before reading; chunked: as soon as the cap is passed); dataset
uploads keep their own, larger cap."""

import json
import socket
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.testclient import TestClient

from app.config import Settings
from app.db.models import AuditEvent
from app.db.session import Database
from app.http.body_limit import UPLOAD_PATHS
from tests.live_server import live_server
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

LIMIT = 4096


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_json_body_bytes": LIMIT})


def _big_json() -> bytes:
    return json.dumps({"name": "x" * (LIMIT * 4)}).encode()


def _is_413(response_status: int, body: dict[str, object]) -> bool:
    return response_status == 413 and body["error"] == "PayloadTooLarge"


def test_declared_oversized_json_is_413(client: TestClient, world: World, db: Database) -> None:
    headers = {**auth(world.admin), "Content-Type": "application/json"}
    response = client.post("/v1/orgs", content=_big_json(), headers=headers)
    assert _is_413(response.status_code, response.json()), response.text
    assert str(LIMIT) in str(response.json()["detail"])
    with db.reading() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == response.headers["x-request-id"])
        ).one()
    assert event.outcome == 413 and event.details["error"] == "PayloadTooLarge"


def test_chunked_oversized_json_is_413(client: TestClient, world: World) -> None:
    def chunks() -> Iterator[bytes]:
        body = _big_json()
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    headers = {**auth(world.admin), "Content-Type": "application/json"}
    response = client.post("/v1/orgs", content=chunks(), headers=headers)
    assert _is_413(response.status_code, response.json()), response.text


def test_oversized_policy_document_is_413(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    yaml_body = b"name: big\ncolumns: {}\n" + b"# padding\n" * LIMIT
    response = client.put(
        f"/v1/datasets/{dataset_id}/policy",
        content=yaml_body,
        headers={**auth(world.agency), "Content-Type": "application/yaml"},
    )
    assert _is_413(response.status_code, response.json()), response.text


def test_a_json_body_under_the_limit_is_served(client: TestClient, world: World) -> None:
    response = client.post("/v1/orgs", json={"name": "Foshan"}, headers=auth(world.admin))
    assert response.status_code == 201


def test_uploads_keep_their_own_cap(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    rows = "".join(f"{i},district {i % 7}\n" for i in range(LIMIT))
    upload = post_file(client, world.agency, dataset_id, f"n,district\n{rows}".encode())
    assert upload.status_code == 201, upload.text
    assert upload.json()["rows"] == LIMIT


def test_upload_pattern_matches_exactly_the_routes_with_file_bodies(app: FastAPI) -> None:
    uploads = 0
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/v1"):
            continue
        concrete = path.replace("{dataset_id}", "ds_1").replace("{version}", "1")
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            binary = method == "post" and "text/csv" in content
            uploads += binary
            assert bool(UPLOAD_PATHS.match(concrete)) == binary or method != "post", path
    assert uploads == 2  # versions and batches


def _exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` (headers and only part of the body), return what the server says."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
        return answer


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_live_server_refuses_without_waiting_for_the_body(
    settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10 MB declared, 10 bytes sent: the answer comes without the rest of the body, and a
    chunked body is refused once past the cap (the socket would hang otherwise)."""
    monkeypatch.setenv("PAZHOU_MAX_JSON_BODY_BYTES", str(LIMIT))
    head = f"POST /v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {world.admin}\r\n"
    head += "Content-Type: application/json\r\n"
    with live_server(settings, workers=1) as base:
        port = int(base.rsplit(":", 1)[1])
        declared = head + 'Content-Length: 10000000\r\n\r\n{"name": '
        answer = _exchange(port, declared.encode())
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"PayloadTooLarge"' in answer
        chunk = b"2000\r\n" + b" " * 0x2000 + b"\r\n"
        chunked = (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
        answer = _exchange(port, chunked + chunk)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
