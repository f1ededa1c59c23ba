"""Secrets hygiene over a whole session: API keys, the server secret, data keys and per-dataset
secrets never appear in a log line, stdout/stderr, a response (body or header), an audit event
or the OpenAPI document. Keys are compared in constant time.

The session creates a key, uploads, publishes (pseudonyms), queries, extracts, and triggers
401, 400, 404, 409, 413, 422 and 429 answers, including keys misplaced into URLs.
"""

import base64
import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from starlette.testclient import TestClient

from app.auth import keys
from app.config import Settings
from app.db.models import AuditEvent
from app.db.session import Database
from app.http.ratelimit import RateLimiter
from app.services.secrets import dataset_secret, recipient_secret
from tests.company_register import ask, publish_register
from tests.release_flow import wait_job
from tests.world import World, auth

KEY_SHAPE = re.compile(r"pz_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


class Recorder:
    """Every response the client receives: status line, headers and body."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.skip_next_key_issue = False

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        issuing = response.request.method == "POST" and response.url.path.endswith("/keys")
        if issuing and self.skip_next_key_issue:  # the one response that shows a new key
            self.skip_next_key_issue = False
            return
        # not the URL: that is what the client sent
        self.texts.append(f"{response.status_code} {response.headers} {response.text}")


def _forms(raw: bytes) -> list[str]:
    return [raw.hex(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]


def _secret_values(settings: Settings) -> list[str]:
    """Every ``SecretStr`` setting, whole and split into its key-sized parts."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
            found += [text, *(p for p in re.split(r"[,:\s]+", text) if len(p) >= 16)]
    return found


def _key_file_values(settings: Settings) -> list[str]:
    """Key material in the data key file, when encryption at rest keeps one."""
    path = settings.data_key_file or Path(f"{settings.data_dir}-data-keys.json")
    if not path.exists():
        return []
    text = path.read_text()
    return [s for s in re.findall(r'"([A-Za-z0-9+/=_-]{24,})"', text)]


def _session(client: TestClient, world: World, recorder: Recorder) -> dict[str, Any]:
    """Drive a whole session; returns what the secrets list needs."""
    for key in (world.admin, world.agency, world.consumer, world.auditor):  # every role
        for path in ("/v1/me", "/v1/datasets", "/v1/audit/events?format=jsonl", "/v1/nowhere"):
            client.get(path, headers=auth(key))
    release = publish_register(client, world, rows=60)
    dataset_id = release.dataset_id
    request = ask(client, world.consumer, dataset_id)
    approved = client.post(
        f"/v1/access-requests/{request['id']}/approve", json={}, headers=auth(world.agency)
    )
    assert approved.status_code == 201, approved.text
    query = {"aggregations": [{"fn": "count"}], "group_by": ["district"], "epsilon": 0.5}
    url = f"/v1/datasets/{dataset_id}/queries"
    assert client.post(url, json=query, headers=auth(world.consumer)).status_code == 200
    assert (
        client.post(url + "/preview", json=query, headers=auth(world.consumer)).status_code == 200
    )
    started = client.post(
        f"/v1/datasets/{dataset_id}/extracts", json={}, headers=auth(world.consumer)
    )
    assert wait_job(client, world.consumer, started.json()["job_id"])["state"] == "succeeded"
    download = client.get(
        f"/v1/extracts/{started.json()['id']}/download", headers=auth(world.consumer)
    )
    assert download.status_code == 200
    me = client.get("/v1/me", headers=auth(world.consumer)).json()
    recorder.skip_next_key_issue = True
    issued = client.post(f"/v1/principals/{me['principal_id']}/keys", headers=auth(world.admin))
    new_key = issued.json()["key"]
    assert client.get("/v1/me", headers=auth(new_key)).status_code == 200
    return {"dataset_id": dataset_id, "consumer_id": me["principal_id"], "new_key": new_key}


def _errors(client: TestClient, world: World, new_key: str, limiter: Any) -> None:
    key_id = new_key.split("_")[1]
    statuses = [
        client.get("/v1/me", headers=auth(f"pz_{key_id}_{'C' * 43}")).status_code,
        client.get(f"/v1/me?api_key={world.agency}", headers=auth(world.agency)).status_code,
        client.get(f"/v1/datasets/{world.agency}", headers=auth(world.agency)).status_code,
        client.get(f"/v1/{world.consumer}").status_code,
        client.post(
            "/v1/orgs",
            content=b"{",
            headers={**auth(world.admin), "Content-Type": "application/json"},
        ).status_code,
        client.post(
            "/v1/orgs", json={"name": "Pazhou Operations"}, headers=auth(world.admin)
        ).status_code,
        client.post(
            "/v1/orgs", json={"name": "x" * 2_000_000}, headers=auth(world.admin)
        ).status_code,
        client.post("/v1/orgs", json={"name": ""}, headers=auth(world.admin)).status_code,
    ]
    while limiter.take(key_id) == 0.0:  # spend the new key's allowance
        pass
    statuses.append(client.get("/v1/me", headers=auth(new_key)).status_code)
    assert client.delete(f"/v1/keys/{key_id}", headers=auth(world.admin)).status_code == 200
    statuses.append(client.get("/v1/me", headers=auth(new_key)).status_code)
    assert statuses == [401, 200, 404, 404, 400, 409, 413, 422, 429, 401]


def _audit_texts(client: TestClient, world: World, db: Database) -> list[str]:
    texts = [
        client.get(
            "/v1/audit/events", params={"format": fmt, "limit": 1000}, headers=auth(world.auditor)
        ).text
        for fmt in ("json", "jsonl", "csv")
    ]
    with db.reading() as session:
        for event in session.scalars(select(AuditEvent)):
            row = {c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns}
            texts.append(json.dumps(row, ensure_ascii=False, default=str))
    return texts


def _service_log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every service log record with its traceback; not the test client's own request lines."""
    formatter = logging.Formatter()
    return [
        record.getMessage()
        + (formatter.formatException(record.exc_info) if record.exc_info else "")
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    ]


def _around(haystack: str, secret: str) -> str:
    at = haystack.find(secret)
    return haystack[max(at - 200, 0) : at + 60]


def test_no_secret_reaches_logs_responses_or_the_audit_log(
    client: TestClient,
    world: World,
    db: Database,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    service_logger = logging.getLogger("pazhou")
    service_logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pazhou")
    recorder = Recorder()
    client.event_hooks["response"] = [recorder]
    try:
        made = _session(client, world, recorder)
        # a limiter whose clock stands still: the drained key cannot refill (one token per
        # 50 ms at the default rate) before its next request, however slow the machine
        frozen = RateLimiter(1200, 200, clock=lambda: 0.0)
        client.app.state.rate_limiter = frozen  # type: ignore[attr-defined]
        _errors(client, world, made["new_key"], frozen)
        audit = _audit_texts(client, world, db)
    finally:
        service_logger.removeHandler(caplog.handler)
    logged = _service_log_lines(caplog)
    out, err = capfd.readouterr()
    assert any('"status": 429' in line for line in logged), "the access log was not captured"
    assert any(e for e in audit if "TooManyRequests" in e), "the audit log was not captured"
    haystack = "\n".join([*recorder.texts, *logged, out, err, *audit])

    tokens = [
        world.admin,
        world.agency,
        world.other_agency,
        world.consumer,
        world.auditor,
        made["new_key"],
    ]
    secrets = [part for token in tokens for part in (token, token.split("_", 2)[2])]
    secrets += _secret_values(settings) + _key_file_values(settings)
    secrets += _forms(dataset_secret(settings, made["dataset_id"]))
    secrets += _forms(recipient_secret(settings, made["dataset_id"], made["consumer_id"]))
    leaked = [_around(haystack, secret) for secret in secrets if secret in haystack]
    assert leaked == []
    assert KEY_SHAPE.search(haystack) is None
    assert f"pz_{world.agency.split('_')[1]}_REDACTED" in haystack  # the misplaced key, redacted


def test_openapi_document_holds_nothing_shaped_like_a_key(
    client: TestClient, settings: Settings
) -> None:
    document = client.get("/openapi.json").text
    assert "pz_" not in document
    assert settings.secret_key.get_secret_value() not in document


def test_keys_are_compared_with_compare_digest(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authentication goes through ``hmac.compare_digest`` (constant time), never ``==``."""
    compared: list[tuple[str, str]] = []
    real = keys.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(keys.hmac, "compare_digest", spy)
    secret = world.agency.split("_", 2)[2]
    assert client.get("/v1/me", headers=auth(world.agency)).status_code == 200
    forged = world.agency[: -len(secret)] + "D" * 43
    assert client.get("/v1/me", headers=auth(forged)).status_code == 401
    assert [a for a, _ in compared] == [keys.hash_secret(secret), keys.hash_secret("D" * 43)]
