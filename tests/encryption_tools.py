"""Helpers for the encryption-at-rest tests: raw values to look for, every byte at rest, the
``pazhou`` command with file-based data keys, other apps on the same data and database."""

import base64
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi import FastAPI
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from app.config import Settings
from app.db.base import Base
from app.main import create_app
from tests.conftest import TEST_SECRET
from tests.pii_data import register
from tests.release_flow import wait_job
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

RAW_COLUMNS = ("法定代表人", "身份证号", "手机", "email", "银行卡号")


def people(rows: int = 200) -> pa.Table:
    """Identifiers nobody else in the suite uses (its own seed)."""
    return register(rows, seed=7_007_007)


def raw_values(table: pa.Table) -> set[bytes]:
    """UTF-8 bytes of every identifier (names, resident ids, mobiles, e-mails, cards)."""
    return {str(v).encode() for name in RAW_COLUMNS for v in table.column(name).to_pylist()}


def csv_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def files_under(folder: Path) -> Iterator[Path]:
    yield from (path for path in sorted(folder.rglob("*")) if path.is_file())


def found_in_files(paths: list[Path], needles: set[bytes]) -> list[str]:
    hits = []
    for path in paths:
        data = path.read_bytes()
        hits += [f"{path.name}: {n.decode(errors='replace')}" for n in needles if n in data]
    return hits


def database_dump(url: str) -> bytes:
    """Every row of every table as text (a pg_dump-like SELECT), UTF-8 encoded."""
    engine = create_engine(url)
    lines = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                lines.append(repr(tuple(row)) + " " + " ".join(str(v) for v in row))
    engine.dispose()
    return "\n".join(lines).encode()


def sqlite_files(url: str) -> list[Path]:
    if not url.startswith("sqlite"):
        return []
    main = Path(url.removeprefix("sqlite:///"))
    return [p for p in (main, Path(f"{main}-wal"), Path(f"{main}-journal")) if p.exists()]


def plaintext_windows(part: Path, width: int = 32, step: int = 4096) -> set[bytes]:
    """Slices of the (compressed) Parquet bytes sealed in ``part``."""
    from app.storage.sealed import open_sealed

    with open_sealed(part) as reader:
        plain = reader.read()
    assert plain[:4] == b"PAR1" and len(plain) > step
    return {plain[i : i + width] for i in range(0, len(plain) - width, step)}


def key_forms(key: bytes) -> set[bytes]:
    """A key as raw bytes, hex and base64: none may appear anywhere."""
    return {key, key.hex().encode(), base64.b64encode(key)}


def upload_and_scan(client: TestClient, world: World, body: bytes) -> str:
    dataset_id = new_dataset(client, world.agency, "people")
    upload = post_file(client, world.agency, dataset_id, body)
    assert upload.status_code == 201, upload.text
    job = wait_job(client, world.agency, upload.json()["scan_job_id"])
    assert job["state"] == "succeeded", job
    return dataset_id


def publish(
    client: TestClient, world: World, dataset_id: str, version: int = 1
) -> dict[str, object]:
    started = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": version}, headers=auth(world.agency)
    )
    assert started.status_code == 202, started.text
    return wait_job(client, world.agency, started.json()["job_id"])


@contextmanager
def other_app(settings: Settings, **changes: object) -> Iterator[TestClient]:
    """A second server on the same data directory and database, with other key settings."""
    application: FastAPI = create_app(settings.model_copy(update=changes))
    try:
        with TestClient(application) as client:
            yield client
    finally:
        application.state.db.dispose()


def pazhou(settings: Settings, keys: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line with the keys in a key file (a path) or inline (a string)."""
    env = {k: v for k, v in os.environ.items() if k != "PAZHOU_DATA_KEYS"}
    env.update(
        PAZHOU_DATABASE_URL=settings.sqlalchemy_url,
        PAZHOU_DATA_DIR=str(settings.data_dir),
        PAZHOU_SECRET_KEY=TEST_SECRET,
        PAZHOU_ENVIRONMENT="test",
    )
    if isinstance(keys, Path):
        env["PAZHOU_DATA_KEY_FILE"] = str(keys)
    else:
        env["PAZHOU_DATA_KEYS"] = keys
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
