"""The command line: scan and sanitize local files, grant, bootstrap, demo."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from app.config import Settings
from tests.conftest import TEST_SECRET
from tests.pii_data import IDENTIFIER_COLUMNS, register


def _pazhou(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PAZHOU_DATABASE_URL": settings.sqlalchemy_url,
        "PAZHOU_DATA_DIR": str(settings.data_dir),
        "PAZHOU_SECRET_KEY": TEST_SECRET,
        "PAZHOU_ENVIRONMENT": "test",
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def register_csv(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    pacsv.write_csv(register(120), path)
    return path


def test_scan_prints_the_report(settings: Settings, register_csv: Path) -> None:
    result = _pazhou(settings, "scan", str(register_csv))
    assert result.returncode == 0, result.stderr
    report = {c["name"]: c for c in json.loads(result.stdout)["columns"]}
    assert report["身份证号"]["entity"] == "CN_RESIDENT_ID"
    assert report["手机"]["operator"] == "mask"


def test_sanitize_writes_a_file_without_raw_identifiers(
    settings: Settings, register_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clean.parquet"
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: cli\nepsilon_total: 1\ngrant_default_epsilon: 1\nmax_query_epsilon: 1\n"
        "columns:\n  industry: {operator: drop}\n",
        encoding="utf-8",
    )
    result = _pazhou(
        settings, "sanitize", str(register_csv), "-o", str(out), "--policy", str(policy)
    )
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert "industry" not in table.column_names and table.num_rows == 120
    source = register(120)
    raw = {str(v) for name in IDENTIFIER_COLUMNS for v in source.column(name).to_pylist()}
    text = "\n".join(str(v) for name in table.column_names for v in table.column(name).to_pylist())
    assert not [value for value in raw if value in text]


def test_sanitize_refuses_a_broken_policy(
    settings: Settings, register_csv: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("name: x\nepsilon_total: -1\n", encoding="utf-8")
    out = tmp_path / "x.parquet"
    result = _pazhou(
        settings, "sanitize", str(register_csv), "-o", str(out), "--policy", str(policy)
    )
    assert result.returncode == 2 and "epsilon_total" in result.stderr
    assert not out.exists()


def test_admin_grant_and_bad_file(settings: Settings, client, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.uploads import new_dataset
    from tests.world import auth

    dataset_id = new_dataset(client, world.agency)
    consumer_id = client.get("/v1/me", headers=auth(world.consumer)).json()["principal_id"]
    made = _pazhou(
        settings,
        "admin",
        "grant",
        "--dataset",
        dataset_id,
        "--consumer",
        consumer_id,
        "--epsilon",
        "0.5",
        "--purpose",
        "traffic study",
    )
    assert made.returncode == 0, made.stderr
    grant_id = json.loads(made.stdout)["grant_id"]
    budgets = client.get("/v1/budgets", headers=auth(world.consumer)).json()
    assert [g["grant_id"] for g in budgets["grants"]] == [grant_id]
    events = client.get(
        "/v1/audit/events", params={"action": "grants.create"}, headers=auth(world.auditor)
    ).json()["items"]
    assert events and events[0]["actor"].startswith("cli:")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 4)
    scanned = _pazhou(settings, "scan", str(garbage))
    assert scanned.returncode == 2 and "binary" in scanned.stderr
