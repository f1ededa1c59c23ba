"""Helpers for audit tests: the command line in a subprocess, and a forger that rewrites the
chain after an inserted event the way an attacker with database access would."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from app.config import Settings
from app.db.models import AuditEvent
from app.db.session import Database

UNHASHED = ("purpose_sha256", "pending_id")
FIELDS = [c.name for c in AuditEvent.__table__.columns if c.name not in UNHASHED]


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def server_env(settings: Settings) -> dict[str, str]:
    return {
        "PAZHOU_DATABASE_URL": settings.sqlalchemy_url,
        "PAZHOU_DATA_DIR": str(settings.data_dir),
    }


def offline_env(tmp: Path) -> dict[str, str]:
    """No database and no data directory: what an auditor's laptop has."""
    missing = tmp / "no-such-dir"
    return {"PAZHOU_DATABASE_URL": f"sqlite:///{missing}/none.db", "PAZHOU_DATA_DIR": str(missing)}


def _hash(event: dict[str, Any]) -> str:
    body = {key: value for key, value in event.items() if key != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def forge_insert(db: Database, at: int) -> None:
    """Insert a forged event at ``at`` and re-chain every later event (seq + 1, new hashes)."""
    with db.transaction() as session:
        rows = session.execute(select(AuditEvent.__table__).where(AuditEvent.seq >= at))
        later = [dict(row._mapping) for row in rows]
        later.sort(key=lambda event: event["seq"])
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= at))
        prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == at - 1))
        forged = {**later[0], "actor": "nobody", "request_id": "forged-request"}
        chain = [forged, *later]
        for offset, event in enumerate(chain):
            event = {name: event[name] for name in FIELDS}
            event.update(seq=at + offset, prev_hash=prev)
            event["hash"] = _hash(event)
            session.execute(insert(AuditEvent), [event])
            prev = event["hash"]


def start_server(settings: Settings, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One uvicorn process (no supervisor), so that SIGKILL really kills the server."""
    from tests.live_server import _free_port, _wait_ready

    port = _free_port()
    env = {
        **os.environ,
        **server_env(settings),
        "PAZHOU_ENVIRONMENT": settings.environment,
        "PAZHOU_SECRET_KEY": settings.secret_key.get_secret_value(),
        "PAZHOU_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--port", str(port), "--no-access-log"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_ready(base, process, log)
    return process, base
