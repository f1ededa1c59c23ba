"""Datasets in: CSV (UTF-8, BOM, GB18030), JSON Lines, Parquet; batches append."""

import hashlib
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from starlette.testclient import TestClient

from app.config import Settings
from app.storage import convert_csv
from app.storage.read import whole
from tests.uploads import files_on_disk, new_dataset, post_file
from tests.world import World, auth

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = "district,capital,registered\n天河区,1000000,2024-01-02\n海珠区,2500.5,2024-02-03\n"


def _read_parts(settings: Settings, dataset_id: str, version: int) -> pa.Table:
    from app.db.session import Database
    from app.repositories import datasets as repo

    db = Database(settings.sqlalchemy_url)
    with db.reading() as session:
        row = repo.version(session, dataset_id, version)
    db.dispose()
    assert row is not None
    return whole([settings.data_dir / part for part in row.parts])  # parts are sealed


def test_csv_version_records_rows_types_and_sha256(
    client: TestClient, world: World, settings: Settings
) -> None:
    dataset_id = new_dataset(client, world.agency)
    body = CSV.encode()
    response = post_file(client, world.agency, dataset_id, body)
    assert response.status_code == 201, response.text
    version = response.json()
    assert version["version"] == 1 and version["rows"] == 2
    assert version["sha256"] == hashlib.sha256(body).hexdigest()
    assert version["columns"] == [
        {"name": "district", "type": "string"},
        {"name": "capital", "type": "double"},
        {"name": "registered", "type": "date32[day]"},
    ]
    assert "scan_job_id" in version
    table = _read_parts(settings, dataset_id, 1)
    assert table.column("district").to_pylist() == ["天河区", "海珠区"]
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["state"] == "quarantined" and dataset["current_version"] == 1
    assert [v["version"] for v in dataset["versions"]] == [1]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xef\xbb\xbf" + CSV.encode(), "text/csv"),
        (CSV.encode("gb18030"), "text/csv; charset=gb18030"),
        (CSV.encode("gbk"), "text/csv; charset=GBK"),
        (CSV.encode(), "text/csv; charset=utf-8"),
    ],
)
def test_csv_encodings(
    client: TestClient, world: World, settings: Settings, body: bytes, content_type: str
) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, body, content_type)
    assert response.status_code == 201, response.text
    assert response.json()["columns"][0]["name"] == "district"
    table = _read_parts(settings, dataset_id, 1)
    assert table.column("district").to_pylist() == ["天河区", "海珠区"]


def test_json_lines(client: TestClient, world: World, settings: Settings) -> None:
    rows = [{"name": "张三", "age": 31}, {"name": "李四", "age": 45, "city": "广州"}]
    body = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode()
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, body, "application/x-ndjson")
    assert response.status_code == 201, response.text
    assert response.json()["rows"] == 2
    table = _read_parts(settings, dataset_id, 1)
    assert table.column("city").to_pylist() == [None, "广州"]


def test_parquet(client: TestClient, world: World, settings: Settings) -> None:
    source = pa.table({"id": [1, 2, 3], "mobile": ["13812345678", None, "13900000000"]})
    sink = io.BytesIO()
    pq.write_table(source, sink)
    dataset_id = new_dataset(client, world.agency)
    response = post_file(
        client, world.agency, dataset_id, sink.getvalue(), "application/vnd.apache.parquet"
    )
    assert response.status_code == 201, response.text
    assert _read_parts(settings, dataset_id, 1).equals(source)


def test_shared_pums_sample(client: TestClient, world: World) -> None:
    body = (SHARED / "PUMS_null.csv").read_bytes()
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, body)
    assert response.status_code == 201, response.text
    assert response.json()["rows"] == 1948


def test_batches_append_as_new_versions(
    client: TestClient, world: World, settings: Settings
) -> None:
    dataset_id = new_dataset(client, world.agency)
    assert post_file(client, world.agency, dataset_id, CSV.encode()).status_code == 201
    reordered = "registered,district,capital\n2024-03-04,越秀区,7\n".encode()
    batch = post_file(client, world.agency, dataset_id, reordered, batch=True)
    assert batch.status_code == 201, batch.text
    assert (batch.json()["version"], batch.json()["rows"], batch.json()["added_rows"]) == (2, 3, 1)
    assert batch.json()["kind"] == "batch"
    table = _read_parts(settings, dataset_id, 2)
    assert table.column("district").to_pylist() == ["天河区", "海珠区", "越秀区"]
    assert table.column("capital").to_pylist() == [1000000.0, 2500.5, 7.0]
    assert _read_parts(settings, dataset_id, 1).num_rows == 2
    replaced = post_file(client, world.agency, dataset_id, b"x\n1\n")
    assert replaced.json()["version"] == 3 and replaced.json()["rows"] == 1


def test_batch_as_json_lines_matches_a_csv_dataset(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    post_file(client, world.agency, dataset_id, CSV.encode())
    line = json.dumps({"district": "荔湾区", "capital": 3, "registered": "2024-05-06"})
    response = post_file(
        client, world.agency, dataset_id, line.encode(), "application/x-ndjson", batch=True
    )
    assert response.status_code == 201, response.text
    assert response.json()["rows"] == 3


@pytest.mark.parametrize(
    ("body", "column"),
    [
        (b"district,capital\n\xe8\xb6\x8a\xe7\xa7\x80\xe5\x8c\xba,1\n", "registered"),
        (CSV.split("\n")[0].encode() + b",extra\n1,2,2024-01-01,4\n", "extra"),
        (b"district,capital,registered\nx,not-a-number,2024-01-01\n", "capital"),
        (b"district,capital,registered\nx,1,yesterday\n", "registered"),
    ],
)
def test_batch_must_match_the_schema(
    client: TestClient, world: World, settings: Settings, body: bytes, column: str
) -> None:
    dataset_id = new_dataset(client, world.agency)
    post_file(client, world.agency, dataset_id, CSV.encode())
    before = files_on_disk(settings.data_dir)
    response = post_file(client, world.agency, dataset_id, body, batch=True)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "SchemaMismatch"
    assert response.json()["column"] == column
    assert column in response.json()["detail"]
    assert files_on_disk(settings.data_dir) == before
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["current_version"] == 1 and len(dataset["versions"]) == 1


def test_batch_before_any_version_is_409(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, CSV.encode(), batch=True)
    assert response.status_code == 409 and "no version" in response.json()["detail"]


def test_a_later_block_widens_a_column(
    client: TestClient, world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Types come from the first block; a value that does not fit later widens the column."""
    monkeypatch.setattr(convert_csv, "BLOCK_SIZE", 1024)
    lines = ["code,amount,label"] + [f"{i},{i},L{i}" for i in range(500)]
    lines += ["17,12.5,x", "unknown,3,y"]
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, "\n".join(lines).encode())
    assert response.status_code == 201, response.text
    types = {col["name"]: col["type"] for col in response.json()["columns"]}
    assert types == {"code": "string", "amount": "double", "label": "string"}
    table = _read_parts(settings, dataset_id, 1)
    assert table.num_rows == 502 and table.column("code").to_pylist()[-1] == "unknown"


def test_duplicate_dataset_name_is_409(client: TestClient, world: World) -> None:
    new_dataset(client, world.agency, "same")
    again = client.post("/v1/datasets", json={"name": "same"}, headers=auth(world.agency))
    assert again.status_code == 409 and again.json()["field"] == "name"
    assert new_dataset(client, world.other_agency, "same")


def test_listing_pages_with_a_cursor(client: TestClient, world: World) -> None:
    made = [new_dataset(client, world.agency, f"set-{i}") for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/datasets", params=params, headers=auth(world.agency)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == made
