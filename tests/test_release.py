"""Scan → classification review → policy → publish, over HTTP, with nothing raw escaping."""

import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError
from starlette.testclient import TestClient

from anonymizers.ner_models import SMALL_ENGLISH_MODEL, ner_model_installed
from app.config import Settings
from tests.pii_data import IDENTIFIER_COLUMNS, register
from tests.release_flow import classification, wait_job
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
ROWS = 300


@pytest.fixture(scope="module")
def source() -> pa.Table:
    return register(ROWS)


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def _scanned(client: TestClient, world: World, table: pa.Table) -> str:
    dataset_id = new_dataset(client, world.agency)
    upload = post_file(client, world.agency, dataset_id, _csv(table))
    assert upload.status_code == 201, upload.text
    job = wait_job(client, world.agency, upload.json()["scan_job_id"])
    assert job["state"] == "succeeded", job
    return dataset_id


def _by_name(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {column["name"]: column for column in response.json()["columns"]}


def test_scan_reports_every_identifier_column(
    client: TestClient, world: World, source: pa.Table
) -> None:
    dataset_id = _scanned(client, world, source)
    report = _by_name(classification(client, world.agency, dataset_id))
    expected = {
        "身份证号": "CN_RESIDENT_ID",
        "手机": "CN_MOBILE",
        "email": "EMAIL_ADDRESS",
        "统一社会信用代码": "CN_USCC",
        "银行卡号": "CN_BANK_CARD",
        "ssn": "US_SSN",
    }
    for column, entity in expected.items():
        assert report[column]["entity"] == entity, report[column]
        assert report[column]["category"] == "direct_identifier"
        assert 0 < report[column]["confidence"] <= 1
    assert report["备注"]["category"] == "free_text"
    assert report["registered_capital"]["category"] == "other"
    for column in report.values():
        assert set(column) >= {"entity", "category", "confidence", "hit_rate", "operator", "params"}
        assert "pipl_category" in column
    raw = {str(v) for name in IDENTIFIER_COLUMNS for v in source.column(name).to_pylist()}
    shown = " ".join(str(c.get("examples", "")) for c in report.values())
    assert not [value for value in raw if value in shown], "a report example shows a raw value"


def test_classification_waits_for_the_scan_and_is_agency_only(
    client: TestClient, world: World, source: pa.Table
) -> None:
    dataset_id = _scanned(client, world, source.slice(0, 20))
    assert classification(client, world.other_agency, dataset_id).status_code == 404
    assert classification(client, world.consumer, dataset_id).status_code == 403
    assert classification(client, world.agency, dataset_id, 9).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nope": {"operator": "keep"}}, "columns.nope"),
        ({"手机": {"entity": "MARTIAN_ID"}}, "columns.手机.entity"),
        ({"手机": {"category": "secret"}}, "columns.手机.category"),
        ({"手机": {"operator": "scramble"}}, "columns.手机.operator"),
        ({"手机": {"operator": "mask", "params": {"keep_first": -1}}}, "columns.手机.operator"),
    ],
)
def test_bad_override_is_422_naming_it(
    client: TestClient, world: World, source: pa.Table, change: dict[str, Any], field: str
) -> None:
    dataset_id = _scanned(client, world, source.slice(0, 20))
    path = f"/v1/datasets/{dataset_id}/versions/1/classification"
    response = client.patch(path, json={"columns": change}, headers=auth(world.agency))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    unchanged = _by_name(classification(client, world.agency, dataset_id))
    assert not any(column["overridden"] for column in unchanged.values())


def test_override_is_kept_and_used(client: TestClient, world: World, source: pa.Table) -> None:
    dataset_id = _scanned(client, world, source.slice(0, 50))
    path = f"/v1/datasets/{dataset_id}/versions/1/classification"
    change = {"industry": {"category": "quasi_identifier", "operator": "drop"}}
    response = client.patch(path, json={"columns": change}, headers=auth(world.agency))
    assert response.status_code == 200, response.text
    column = _by_name(response)["industry"]
    assert (column["operator"], column["overridden"]) == ("drop", True)
    published = _publish(client, world, dataset_id)
    assert "industry" not in published.column_names


def _publish(client: TestClient, world: World, dataset_id: str, version: int = 1) -> pa.Table:
    job = _publish_job(client, world, dataset_id, version)
    assert job["state"] == "succeeded", job
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return pq.read_table(settings.data_dir / job["result"]["file"])


def _publish_job(client: TestClient, world: World, dataset_id: str, version: int) -> Any:
    started = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": version}, headers=auth(world.agency)
    )
    assert started.status_code == 202, started.text
    return wait_job(client, world.agency, started.json()["job_id"])


def test_no_raw_identifier_survives_publication(
    client: TestClient, world: World, source: pa.Table, settings: Settings
) -> None:
    dataset_id = _scanned(client, world, source)
    published = _publish(client, world, dataset_id)
    assert published.num_rows == ROWS
    raw = {str(v) for name in IDENTIFIER_COLUMNS for v in source.column(name).to_pylist()}
    for path in (settings.data_dir / "published").rglob("*.parquet"):
        table = pq.read_table(path)
        cells = {str(v) for name in table.column_names for v in table.column(name).to_pylist()}
        text = "\n".join(cells)
        leaked = sorted(value for value in raw if value in text)
        assert not leaked, f"{path.name} leaks {leaked[:5]}"
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["state"] == "published" and dataset["published_version"] == 1


def test_pseudonyms_are_stable_within_a_dataset(
    client: TestClient, world: World, source: pa.Table
) -> None:
    doubled = pa.concat_tables([source.slice(0, 30), source.slice(0, 30)])
    dataset_id = _scanned(client, world, doubled)
    published = _publish(client, world, dataset_id)
    ids = published.column("身份证号").to_pylist()
    assert ids[:30] == ids[30:] and len(set(ids[:30])) == 30


def test_policy_operator_wins_and_failure_publishes_nothing(
    client: TestClient, world: World, source: pa.Table, settings: Settings
) -> None:
    dataset_id = _scanned(client, world, source.slice(0, 40))
    bad = {
        "template": "open-data",
        "columns": {
            "industry": {"operator": "generalize", "params": {"kind": "numeric_band", "width": 10}}
        },
    }
    assert (
        client.put(
            f"/v1/datasets/{dataset_id}/policy", json=bad, headers=auth(world.agency)
        ).status_code
        == 200
    )
    job = _publish_job(client, world, dataset_id, 1)
    assert job["state"] == "failed" and "industry" in job["error"]
    assert not list((settings.data_dir / "published").rglob("*"))
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["published_version"] is None


def test_jobs_are_visible_to_their_owner_only(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    upload = post_file(client, world.agency, dataset_id, b"a,b\n1,2\n")
    job_id = upload.json()["scan_job_id"]
    assert client.get(f"/v1/jobs/{job_id}", headers=auth(world.other_agency)).status_code == 404
    assert wait_job(client, world.agency, job_id)["state"] == "succeeded"


def test_publish_needs_a_scanned_existing_version(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    missing = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": 3}, headers=auth(world.agency)
    )
    assert missing.status_code == 404


def test_an_uninstalled_named_entity_model_stops_start_up() -> None:
    with pytest.raises(ValidationError, match="PAZHOU_NER_MODEL"):
        Settings(ner_model="xx_no_such_model_sm")


@pytest.fixture
def with_ner_model(settings: Settings) -> Settings:
    """The test's settings with the small English model configured (before the app starts)."""
    if not ner_model_installed(SMALL_ENGLISH_MODEL):
        pytest.skip(f"{SMALL_ENGLISH_MODEL} is not installed (scripts/requirements-ner.txt)")
    settings.ner_model = SMALL_ENGLISH_MODEL
    return settings


def test_scan_uses_the_configured_named_entity_model(
    with_ner_model: Settings, client: TestClient, world: World
) -> None:
    notes = [f"Yesterday Zbigniew Brzezinski signed lease {k}." for k in range(30)]
    body = ("notes,amount\n" + "".join(f"{note},{k}\n" for k, note in enumerate(notes))).encode()
    dataset_id = new_dataset(client, world.agency)
    upload = post_file(client, world.agency, dataset_id, body)
    assert upload.status_code == 201, upload.text
    assert wait_job(client, world.agency, upload.json()["scan_job_id"])["state"] == "succeeded"
    report = _by_name(classification(client, world.agency, dataset_id))
    assert report["notes"]["category"] == "free_text"
    assert report["notes"]["span_counts"].get("PERSON", 0) > 0
    assert "Brzezinski" not in " ".join(report["notes"]["examples"])
