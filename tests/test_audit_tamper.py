"""Tampering with the raw database (SQLite or PostgreSQL, whichever the suite runs on) is
caught by ``GET /v1/audit/verify`` and by offline bundle verification against a checkpoint
signed earlier, each naming the right sequence number."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from app.config import Settings
from app.db.session import Database
from tests.audit_tools import cli, forge_insert, offline_env, server_env
from tests.world import World, auth


def _sql(*statements: str) -> Callable[[Database], None]:
    def run(db: Database) -> None:
        with db.transaction() as session:
            for statement in statements:
                session.execute(text(statement))

    return run


TAMPERS: dict[str, tuple[Callable[[Database], None], int]] = {
    "edit-one-field": (_sql("UPDATE audit_events SET outcome = 403 WHERE seq = 4"), 4),
    "delete-one": (_sql("DELETE FROM audit_events WHERE seq = 5"), 5),
    "swap-two": (
        _sql(
            "UPDATE audit_events SET seq = 1000 WHERE seq = 3",
            "UPDATE audit_events SET seq = 3 WHERE seq = 7",
            "UPDATE audit_events SET seq = 7 WHERE seq = 1000",
        ),
        3,
    ),
    "truncate-tail": (_sql("DELETE FROM audit_events WHERE seq > 6"), 7),
    "forged-insert-rechained": (lambda db: forge_insert(db, 5), 5),
}


def _prepare(client: TestClient, world: World, tmp_path: Path) -> Path:
    """Twelve events, a checkpoint over the first ten, two more; keep the public key."""
    for _ in range(10):
        client.get("/v1/me", headers=auth(world.agency))
    head = client.post("/v1/audit/checkpoints", headers=auth(world.auditor)).json()
    assert head["tree_size"] == 10
    client.get("/v1/me", headers=auth(world.agency))
    key = tmp_path / "pazhou-audit.pem"
    key.write_text(client.get("/v1/audit/public-key").json()["pem"])
    return key


def _export(settings: Settings, out: Path, *window: str) -> None:
    result = cli(["audit", "export", "-o", str(out), *window], server_env(settings))
    assert result.returncode == 0, result.stderr


def _verify_bundle(bundle: Path, key: Path, tmp_path: Path) -> tuple[int, str, dict[str, object]]:
    result = cli(
        ["audit", "verify-bundle", str(bundle), "--public-key", str(key)], offline_env(tmp_path)
    )
    verdict = json.loads(result.stdout.splitlines()[0]) if result.stdout else {}
    return result.returncode, result.stderr, verdict


def test_untouched_log_verifies_online_and_offline(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    key = _prepare(client, world, tmp_path)
    verdict = client.get("/v1/audit/verify", headers=auth(world.auditor)).json()
    assert verdict["ok"] and verdict["checkpoints_checked"] >= 1, verdict
    _export(settings, tmp_path / "all.zip")
    code, err, offline = _verify_bundle(tmp_path / "all.zip", key, tmp_path)
    assert code == 0, err
    assert offline["ok"] and offline["checked"] >= 12 and offline["checkpoints_checked"] >= 2


def test_a_window_verifies_offline(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    key = _prepare(client, world, tmp_path)
    events = client.get("/v1/audit/events", headers=auth(world.auditor)).json()["items"]
    window = ["--since", events[4]["time"], "--until", events[8]["time"]]
    _export(settings, tmp_path / "window.zip", *window)
    code, err, offline = _verify_bundle(tmp_path / "window.zip", key, tmp_path)
    assert code == 0, err
    assert offline["checked"] == 4 and offline["checkpoints_checked"] >= 1


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_caught_online_and_offline(
    client: TestClient, world: World, db: Database, settings: Settings, tmp_path: Path, name: str
) -> None:
    key = _prepare(client, world, tmp_path)
    tamper, bad_seq = TAMPERS[name]
    tamper(db)
    online = client.get("/v1/audit/verify", headers=auth(world.auditor)).json()
    assert not online["ok"] and online["first_bad_seq"] == bad_seq, online
    _export(settings, tmp_path / "after.zip")
    code, err, offline = _verify_bundle(tmp_path / "after.zip", key, tmp_path)
    assert code == 1, err
    assert offline["first_bad_seq"] == bad_seq and f"sequence number {bad_seq}" in err, err


def test_a_bundle_edited_after_export_is_caught(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    import zipfile

    key = _prepare(client, world, tmp_path)
    _export(settings, tmp_path / "good.zip")
    with zipfile.ZipFile(tmp_path / "good.zip") as good:
        members = {name: good.read(name) for name in good.namelist()}
    lines = members["events.jsonl"].decode().splitlines()
    edited = json.loads(lines[5])
    edited["actor"] = "someone-else"
    lines[5] = json.dumps(edited)
    members["events.jsonl"] = ("\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as bad:
        for name, content in members.items():
            bad.writestr(name, content)
    code, err, offline = _verify_bundle(tmp_path / "bad.zip", key, tmp_path)
    assert code == 1 and offline["first_bad_seq"] == 6, err
    other = tmp_path / "other.pem"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate().public_key()
    other.write_bytes(
        stranger.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    code, err, _ = _verify_bundle(tmp_path / "good.zip", other, tmp_path)
    assert code == 1 and "no trusted public key" in err
    not_a_bundle = tmp_path / "junk.zip"
    not_a_bundle.write_bytes(b"not a zip")
    assert _verify_bundle(not_a_bundle, key, tmp_path)[0] == 2
