"""Bad files get a clear 4xx in the contract's shape and leave nothing behind."""

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.config import Settings
from tests.uploads import files_on_disk, new_dataset, post_file
from tests.world import World, auth


def _parquet_with_names(names: list[str]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({name: [1] for name in names}), sink)
    return sink.getvalue()


def _many_columns(count: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(count))
    return f"{header}\n{','.join('1' for _ in range(count))}\n".encode()


CASES = [
    pytest.param(b"", "text/csv", 422, {"detail": "empty"}, id="empty-body"),
    pytest.param(b"a,b,c\n", "text/csv", 422, {"detail": "no data rows"}, id="header-only"),
    pytest.param(b"a,b\n1,2\n3,4,5\n6,7\n", "text/csv", 422, {"line": 3}, id="ragged-row"),
    pytest.param(b"a,b\n1,\xff\xfe\n", "text/csv", 422, {"column": "b"}, id="invalid-utf8"),
    pytest.param(
        "名字\n张三\n".encode("gb18030") + b"\x81\x20\n",
        "text/csv; charset=gb18030",
        422,
        {"detail": "not valid text"},
        id="invalid-gb18030",
    ),
    pytest.param(bytes(range(256)) * 8, "text/csv", 422, {"detail": "binary"}, id="binary-csv"),
    pytest.param(
        bytes(range(256)) * 8, "application/x-ndjson", 422, {"detail": "binary"}, id="binary-jsonl"
    ),
    pytest.param(
        b"PK\x03\x04garbage",
        "application/vnd.apache.parquet",
        422,
        {"detail": "not a Parquet file"},
        id="not-parquet",
    ),
    pytest.param(b"a,a\n1,2\n", "text/csv", 422, {"column": "a"}, id="duplicate-column"),
    pytest.param(b"a,,c\n1,2,3\n", "text/csv", 422, {"column": 2}, id="empty-column-name"),
    pytest.param(_many_columns(1001), "text/csv", 422, {"detail": "1001 columns"}, id="1001-cols"),
    pytest.param(
        _parquet_with_names(["x", " "]),
        "application/vnd.apache.parquet",
        422,
        {"column": 2},
        id="parquet-empty-name",
    ),
    pytest.param(
        b'{"a": 1}\n{"a": 2}\n{"a": \n',
        "application/x-ndjson",
        422,
        {"line": 3},
        id="broken-json-line",
    ),
    pytest.param(b"a\n1\n", "application/json", 415, {"detail": "not supported"}, id="json"),
    pytest.param(b"a\n1\n", "text/plain", 415, {"detail": "text/csv"}, id="text-plain"),
    pytest.param(b"a\n1\n", "text/csv; charset=big5", 415, {"detail": "big5"}, id="charset"),
]


@pytest.mark.parametrize(("body", "content_type", "status", "expect"), CASES)
def test_bad_upload_is_refused_and_leaves_nothing(
    client: TestClient,
    world: World,
    settings: Settings,
    body: bytes,
    content_type: str,
    status: int,
    expect: dict[str, object],
) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, body, content_type)
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) >= {"error", "detail"}
    for key, value in expect.items():
        if key == "detail":
            assert str(value) in payload["detail"], payload
        else:
            assert payload.get(key) == value, payload
    _assert_nothing_stored(client, world, settings, dataset_id)


def _assert_nothing_stored(
    client: TestClient, world: World, settings: Settings, dataset_id: str
) -> None:
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["versions"] == [] and dataset["current_version"] is None
    assert files_on_disk(settings.data_dir) == []


def test_missing_content_type_is_415(client: TestClient, world: World, settings: Settings) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = client.post(
        f"/v1/datasets/{dataset_id}/versions", content=b"a\n1\n", headers=auth(world.agency)
    )
    assert response.status_code == 415
    _assert_nothing_stored(client, world, settings, dataset_id)


@pytest.fixture
def small_limit(app: FastAPI) -> int:
    limit = 64 * 1024
    app.state.settings.max_upload_bytes = limit
    return limit


def test_declared_length_over_the_limit_is_413(
    client: TestClient, world: World, settings: Settings, small_limit: int
) -> None:
    dataset_id = new_dataset(client, world.agency)
    body = b"a,b\n" + b"1,2\n" * (small_limit // 4 + 10)
    response = post_file(client, world.agency, dataset_id, body)
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLarge"
    _assert_nothing_stored(client, world, settings, dataset_id)


def test_streamed_body_over_the_limit_stops_early(
    client: TestClient, world: World, settings: Settings, small_limit: int
) -> None:
    """Chunked, no Content-Length: refused once the limit passes, not after the whole body."""
    sent = []

    def chunks() -> Iterator[bytes]:
        yield b"a,b\n"
        for _ in range(10_000):
            sent.append(1)
            yield b"1,2\n" * 1024

    dataset_id = new_dataset(client, world.agency)
    response = client.post(
        f"/v1/datasets/{dataset_id}/versions",
        content=chunks(),
        headers={**auth(world.agency), "Content-Type": "text/csv"},
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    _assert_nothing_stored(client, world, settings, dataset_id)
