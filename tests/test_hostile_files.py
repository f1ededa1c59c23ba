"""Hostile files: bombs, monstrous headers, deep nesting, NUL bytes, mixed encodings.

Each is refused with a clear 4xx in the contract's shape, naming what is wrong; afterwards the
service still answers ``/healthz`` and takes a normal upload, and nothing half-stored
remains (no version row, no file). Every fixture is generated here; the large ones are
cheap to build (a repeated row group, a dictionary of one long string). What is accepted
and handled (NaN and infinities, invisible characters hiding identifiers, formula
injection in CSV outputs) is tested in ``tests/test_hostile_outputs.py``.
"""

import gzip
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from starlette.testclient import TestClient

from app.config import Settings
from app.errors import InvalidFile
from app.storage import json_depth, parquet_guard
from tests.uploads import files_on_disk, new_dataset, post_file
from tests.world import World, auth

PARQUET = "application/vnd.apache.parquet"
JSONL = "application/x-ndjson"
MIB = 1024 * 1024


def _parquet(write: Callable[[io.BytesIO], None]) -> bytes:
    sink = io.BytesIO()
    write(sink)
    return sink.getvalue()


def _zeros_bomb() -> bytes:
    """48 row groups of a million int64 zeros: a few hundred KB that decode to 384 MiB."""
    chunk = pa.table({"x": pa.array(np.zeros(1_000_000, dtype=np.int64))})

    def write(sink: io.BytesIO) -> None:
        with pq.ParquetWriter(sink, chunk.schema, compression="zstd") as writer:
            for _ in range(48):
                writer.write_table(chunk)

    return _parquet(write)


def _dictionary_bomb() -> bytes:
    """One 64 KiB string repeated in 8,192 rows: a tiny dictionary page, 512 MiB of text."""
    indices = pa.array(np.zeros(8192, dtype=np.int32))
    column = pa.DictionaryArray.from_arrays(indices, pa.array(["x" * 65536]))
    table = pa.table({"note": column})
    return _parquet(lambda sink: pq.write_table(table, sink, compression="zstd"))


def _tall_row_group() -> bytes:
    """17 million booleans in one row group: a cheap file, too many rows for one group."""
    table = pa.table({"flag": pa.array(np.zeros(17_000_000, dtype=bool))})
    return _parquet(lambda sink: pq.write_table(table, sink, row_group_size=17_000_000))


def _parquet_wide(columns: int) -> bytes:
    """A footer describing ``columns`` columns (parsing such footers costs ~15× their size)."""
    table = pa.table({f"c{i}": pa.array([1], pa.int8()) for i in range(columns)})
    return _parquet(lambda sink: pq.write_table(table, sink, store_schema=False))


def _parquet_text(values: list[str], name: str = "note") -> bytes:
    table = pa.table({name: pa.array(values, type=pa.string())})
    return _parquet(lambda sink: pq.write_table(table, sink))


def _parquet_invalid_utf8() -> bytes:
    """A string column whose bytes are not UTF-8 (Arrow's Parquet reader does not check)."""
    raw = pa.array([b"fine", b"bad \xff\xfe"], type=pa.binary())
    text = pa.Array.from_buffers(pa.string(), len(raw), raw.buffers())
    return _parquet(lambda sink: pq.write_table(pa.table({"note": text}), sink))


def _csv_rows(rows: int, header: bytes = b"id,note") -> bytes:
    return header + b"\n" + b"".join(b"%d,text %d\n" % (i, i) for i in range(rows))


def _deep_json(depth: int) -> bytes:
    return b'{"a": 1}\n' * 3 + b'{"a": 2, "b": ' + b"[" * depth + b"]" * depth + b"}\n"


def _wide_json(keys: int) -> bytes:
    return ("{" + ",".join(f'"k{i}": {i}' for i in range(keys)) + "}\n").encode()


def _gb18030_after_first_block() -> bytes:
    """UTF-8 declared, but a GB18030 line after the first 1 MiB (types already inferred)."""
    head = _csv_rows(100_000, b"id,name")
    return head + "9,张三\n".encode("gb18030") + b"10,ok\n"


CASES = [
    pytest.param(_zeros_bomb, PARQUET, 413, {"detail": "decompression bomb"}, id="pq-zeros"),
    pytest.param(
        _dictionary_bomb, PARQUET, 413, {"column": "note", "detail": "MiB"}, id="pq-dictionary"
    ),
    pytest.param(_tall_row_group, PARQUET, 413, {"detail": "17000000 rows"}, id="pq-rows"),
    pytest.param(
        lambda: _parquet_text(["fine"] * 50 + ["a\x00b"]),
        PARQUET,
        422,
        {"column": "note", "detail": "row 51"},
        id="pq-nul-cell",
    ),
    pytest.param(
        lambda: _parquet(
            lambda sink: pq.write_table(
                pa.table({"cat": pa.array(["a", "b\x00", "a"]).dictionary_encode()}), sink
            )
        ),
        PARQUET,
        422,
        {"column": "cat", "detail": "row 2"},
        id="pq-nul-in-dictionary",
    ),
    pytest.param(
        lambda: _parquet_text(["fine"], name="no\x00te"),
        PARQUET,
        422,
        {"column": 1, "detail": "control characters"},
        id="pq-nul-name",
    ),
    pytest.param(
        _parquet_invalid_utf8, PARQUET, 422, {"column": "note", "detail": "UTF-8"}, id="pq-utf8"
    ),
    pytest.param(
        lambda: _parquet_wide(12_000), PARQUET, 413, {"detail": "12000 fields"}, id="pq-12k-columns"
    ),
    pytest.param(
        lambda: b"PAR1" + b"\x00" * 100 + (2**31 - 1).to_bytes(4, "little") + b"PAR1",
        PARQUET,
        422,
        {"detail": "not a Parquet file"},
        id="pq-huge-footer-length",
    ),
    pytest.param(
        lambda: b"c," * (8 * MIB),
        "text/csv",
        422,
        {"line": 1, "detail": "header line is longer"},
        id="csv-endless-header",
    ),
    pytest.param(
        lambda: b"c," * 300_000 + b"d\n1\n",
        "text/csv",
        422,
        {"detail": "300001 columns"},
        id="csv-300k-columns",
    ),
    pytest.param(lambda: b"a\rb,c\n1,2\n", "text/csv", 422, {}, id="csv-bare-cr-in-header"),
    pytest.param(
        lambda: b"n" * 200_000 + b"\n1\n", "text/csv", 422, {"line": 1}, id="csv-200k-char-name"
    ),
    pytest.param(
        lambda: _csv_rows(10) + b"11," + b"x" * (2 * MIB) + b"\n",
        "text/csv",
        422,
        {"detail": "longer than"},
        id="csv-endless-row",
    ),
    pytest.param(
        lambda: _csv_rows(200) + b"200,nul\x00here\n",
        "text/csv",
        422,
        {"column": "note", "line": 202},
        id="csv-nul-cell",
    ),
    pytest.param(
        lambda: _csv_rows(200, b"id,no\x00te"),
        "text/csv",
        422,
        {"column": 2, "detail": "control characters"},
        id="csv-nul-header",
    ),
    pytest.param(
        _gb18030_after_first_block,
        "text/csv",
        422,
        {"column": "name", "line": 100_002},
        id="csv-gb18030-inside",
    ),
    pytest.param(
        lambda: _deep_json(100_000), JSONL, 422, {"line": 4, "detail": "nested"}, id="json-deep"
    ),
    pytest.param(
        lambda: _deep_json(json_depth.MAX_DEPTH), JSONL, 422, {"line": 4}, id="json-33-levels"
    ),
    pytest.param(
        lambda: _wide_json(20_000), JSONL, 422, {"detail": "20000 distinct keys"}, id="json-keys"
    ),
    pytest.param(lambda: _wide_json(1500), JSONL, 422, {"detail": "1500 columns"}, id="json-wide"),
    pytest.param(
        lambda: b'{"a": "' + b"x" * (9 * MIB) + b'"}\n',
        JSONL,
        422,
        {"line": 1, "detail": "longer than 8 MiB"},
        id="json-endless-line",
    ),
    pytest.param(
        lambda: b'{"a": "ok"}\n' * 20 + b'{"a": "nul \\u0000 here"}\n',
        JSONL,
        422,
        {"column": "a", "line": 21},
        id="json-escaped-nul",
    ),
    pytest.param(
        lambda: b'{"a": "ok"}\n{"a": "bad \xff\xfe bytes"}\n',
        JSONL,
        422,
        {"column": "a", "detail": "UTF-8"},
        id="json-invalid-utf8",
    ),
]


@pytest.mark.parametrize(("make", "content_type", "status", "expect"), CASES)
def test_hostile_upload_is_refused_and_the_service_stays_up(
    client: TestClient,
    world: World,
    settings: Settings,
    make: Callable[[], bytes],
    content_type: str,
    status: int,
    expect: dict[str, object],
) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = post_file(client, world.agency, dataset_id, make(), content_type)
    assert response.status_code == status, response.text[:500]
    payload = response.json()
    assert set(payload) >= {"error", "detail"}, payload
    for key, value in expect.items():
        if key == "detail":
            assert str(value) in payload["detail"], payload
        else:
            assert payload.get(key) == value, payload
    assert_nothing_stored(client, world, settings, dataset_id)
    assert_still_serving(client, world)


def assert_nothing_stored(
    client: TestClient, world: World, settings: Settings, dataset_id: str
) -> None:
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["versions"] == [] and dataset["current_version"] is None
    assert files_on_disk(settings.data_dir) == []


def assert_still_serving(client: TestClient, world: World) -> None:
    assert client.get("/healthz").status_code == 200
    dataset_id = new_dataset(client, world.agency, "after-the-attack")
    normal = post_file(client, world.agency, dataset_id, _csv_rows(3))
    assert normal.status_code == 201, normal.text
    assert normal.json()["rows"] == 3


def test_a_compressed_body_is_never_inflated(
    client: TestClient, world: World, settings: Settings
) -> None:
    """``Content-Encoding: gzip`` is not honoured: the body is what was sent, binary."""
    dataset_id = new_dataset(client, world.agency)
    response = client.post(
        f"/v1/datasets/{dataset_id}/versions",
        content=gzip.compress(b"a,b\n" + b"1,2\n" * 1_000_000),
        headers={**auth(world.agency), "Content-Type": "text/csv", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 422 and "binary" in response.json()["detail"], response.text
    assert_nothing_stored(client, world, settings, dataset_id)


def test_json_nested_32_levels_is_still_accepted(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    depth = json_depth.MAX_DEPTH - 1  # inside the line's object
    response = post_file(client, world.agency, dataset_id, _deep_json(depth), JSONL)
    assert response.status_code == 201, response.text[:500]
    assert response.json()["rows"] == 4


def test_a_stray_nul_is_not_mistaken_for_binary_but_binary_still_is(
    client: TestClient, world: World
) -> None:
    dataset_id = new_dataset(client, world.agency)
    utf16 = "id,note\n1,文字\n".encode("utf-16-le") * 50
    response = post_file(client, world.agency, dataset_id, utf16)
    assert response.status_code == 422 and "binary" in response.json()["detail"]


@pytest.mark.parametrize(
    ("line", "deepest"),
    [
        (b'{"s": "' + b"]" * 500 + b'", "b": ' + b"[" * 70 + b"]" * 70 + b"}", 71),
        (b'{"s": "' + b"[" * 500 + b'", "t": [1]}', 2),
        (b'{"s": "\\"[[[[", "t": "\\\\", "u": [[[]]]}', 4),
        (b'{"a": [' + b'{"x": [1]},' * 300 + b"{}]}", 4),
    ],
    ids=["closers-in-a-string", "openers-in-a-string", "escaped-quotes", "wide-not-deep"],
)
def test_depth_ignores_brackets_inside_strings(tmp_path: Path, line: bytes, deepest: int) -> None:
    """The depth check reads strings like a JSON parser: quoted brackets never count, so
    they can neither hide a deep line nor make a flat one look deep."""
    source = tmp_path / "lines.jsonl"
    source.write_bytes(b'{"a": 1}\n' + line + b"\n")
    json_depth.check_depth(source, max_depth=deepest)
    with pytest.raises(InvalidFile, match="line 2: JSON nested more than"):
        json_depth.check_depth(source, max_depth=deepest - 1)


def test_footer_check_reads_no_page(tmp_path: Path) -> None:
    """The zeros bomb is refused from its footer alone: its pages are never decompressed."""
    bomb = tmp_path / "bomb.parquet"
    bomb.write_bytes(_zeros_bomb())
    before = pa.total_allocated_bytes()
    with pytest.raises(Exception, match="decompression bomb") as refused:
        parquet_guard.check_footer(pq.ParquetFile(bomb), bomb.stat().st_size)
    assert refused.value.__class__.__name__ == "PayloadTooLarge"
    assert pa.total_allocated_bytes() - before < MIB
