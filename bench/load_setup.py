"""The world the load benchmark runs against: a PostgreSQL database, a real server with
several uvicorn workers, a published dataset and consumers holding approved grants."""

import base64
import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import create_engine, make_url, text

from app.db import migrate
from app.db.session import Database
from app.services import principals

DISTRICTS = ["天河区", "海珠区", "越秀区", "荔湾区", "白云区", "黄埔区", "番禺区", "花都区"]
POLICY = {
    "name": "load-test",
    "epsilon_total": 100.0,
    "grant_default_epsilon": 1.0,
    "max_query_epsilon": 1.0,
    "min_group_size": 5,
    "columns": {
        "district": {
            "type": "category",
            "public_values": DISTRICTS,
            "group_by": True,
            "operator": "keep",
        },
        "age": {"type": "integer", "lower": 0, "upper": 100, "filter": True, "operator": "keep"},
        "income": {"type": "integer", "lower": 0, "upper": 500000, "operator": "keep"},
    },
}


def reset(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)


def seed(url: str, consumers: int) -> dict[str, list[str]]:
    db = Database(url)
    keys: dict[str, list[str]] = {"agency": [], "auditor": [], "consumer": []}
    with db.transaction() as session:
        org = principals.create_org(session, "Load Bureau")
        keys["agency"].append(principals.principal_with_key(session, org.id, "agency", "a").key)
        keys["auditor"].append(principals.principal_with_key(session, org.id, "auditor", "b").key)
        for index in range(consumers):
            company = principals.create_org(session, f"Company {index}")
            issued = principals.principal_with_key(session, company.id, "consumer", f"c{index}")
            keys["consumer"].append(issued.key)
    db.dispose()
    return keys


def table_csv(rows: int) -> bytes:
    rng = np.random.default_rng(7)
    table = pa.table(
        {
            "district": pa.array(rng.choice(DISTRICTS, rows)),
            "age": pa.array(rng.integers(0, 100, rows)),
            "income": pa.array(rng.integers(0, 600_000, rows)),
        }
    )
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(url: str, workers: int) -> Iterator[tuple[str, int]]:
    """uvicorn with ``workers`` processes on loopback; rate limits off (one client, many keys).

    Yields the base URL and the pid of uvicorn's supervising process (its workers are children).
    """
    data = Path(tempfile.mkdtemp(prefix="pazhou-load-"))
    env = {
        **os.environ,
        "PAZHOU_ENVIRONMENT": "test",
        "PAZHOU_DATABASE_URL": url,
        "PAZHOU_DATA_DIR": str(data / "data"),
        "PAZHOU_SECRET_KEY": secrets.token_urlsafe(48),
        "PAZHOU_DATA_KEYS": "load:" + base64.b64encode(os.urandom(32)).decode(),
        "PAZHOU_LOG_LEVEL": "INFO",  # the default: one access-log line per request
        "PAZHOU_RATE_LIMIT_PER_MINUTE": "0",
    }
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    log = (data / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server was not ready in 90 s")


def _wait_job(client: httpx.Client, key: str, job_id: str) -> None:
    for _ in range(600):
        state = client.get(f"/v1/jobs/{job_id}", headers=_auth(key)).json()["state"]
        if state == "succeeded":
            return
        if state == "failed":
            raise RuntimeError(f"job {job_id} failed")
        time.sleep(0.2)
    raise RuntimeError(f"job {job_id} did not finish")


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def publish(base: str, keys: dict[str, list[str]], rows: int, epsilon: float) -> str:
    """Upload, scan, policy, publish; every consumer asks and is approved."""
    agency = keys["agency"][0]
    with httpx.Client(base_url=base, timeout=120) as client:
        dataset = client.post("/v1/datasets", json={"name": "load"}, headers=_auth(agency)).json()
        headers = {**_auth(agency), "Content-Type": "text/csv"}
        upload = client.post(
            f"/v1/datasets/{dataset['id']}/versions", content=table_csv(rows), headers=headers
        ).json()
        _wait_job(client, agency, upload["scan_job_id"])
        client.put(f"/v1/datasets/{dataset['id']}/policy", json=POLICY, headers=_auth(agency))
        job = client.post(
            f"/v1/datasets/{dataset['id']}/publish", json={"version": 1}, headers=_auth(agency)
        ).json()
        _wait_job(client, agency, job["job_id"])
        for key in keys["consumer"]:
            asked = client.post(
                "/v1/access-requests",
                headers=_auth(key),
                json={
                    "dataset_id": dataset["id"],
                    "purpose": "load test",
                    "outputs": ["dp_query"],
                    "epsilon": epsilon,
                },
            ).json()
            client.post(
                f"/v1/access-requests/{asked['id']}/approve", json={}, headers=_auth(agency)
            ).raise_for_status()
    return str(dataset["id"])


def ensure_database(url: str) -> None:
    """Create the benchmark's own database (never the test suite's) if it is missing."""
    parsed = make_url(url)  # any form: host and port, or a Unix socket's directory (?host=)
    name = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
