"""The sealed container and the readers over it, without HTTP: round trips at segment edges,
tampering of every kind, sampling, rotation of files and secrets, key files."""

import base64
import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr

from app.config import Settings
from app.crypto.errors import DataKeyUnavailable, DataTampered
from app.crypto.keyfile import create_key_file, read_key_file
from app.crypto.keyring import Keyring, new_key, parse_inline
from app.crypto.rotation import rewrap_all, usage
from app.crypto.sealed_file import SealedReader, SealedWriter, header_of
from app.crypto.source import default_key_file, prepare
from app.crypto.stream import SEGMENT_BYTES, TAG_BYTES
from app.services.secrets import dataset_secret
from app.storage.read import sample, schema, whole
from app.storage.sealed import parquet_sink
from tests.conftest import TEST_SECRET

RING = Keyring("k1", {"k1": new_key()}, "test keys")


def _seal(path: Path, data: bytes, ring: Keyring = RING) -> None:
    with SealedWriter(path, ring) as writer:
        for start in range(0, len(data), 100_003):  # uneven writes
            writer.write(data[start : start + 100_003])


def _settings(tmp_path: Path, keys: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        data_keys=SecretStr(keys),
    )


@pytest.mark.parametrize("size", [0, 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES - 5])
def test_round_trip_and_random_access(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    _seal(path, data)
    with SealedReader(path, RING, "f.bin") as reader:
        assert reader.read() == data and reader.size == size
        for offset in (0, size // 2, max(size - 7, 0), SEGMENT_BYTES - 3):
            reader.seek(offset)
            assert reader.read(10) == data[offset : offset + 10]


def _segments(path: Path) -> tuple[bytes, list[bytes]]:
    raw = path.read_bytes()
    start = header_of(path, path.name)[1]
    size = SEGMENT_BYTES + TAG_BYTES
    return raw[:start], [raw[i : i + size] for i in range(start, len(raw), size)]


def test_truncation_reordering_and_flipped_bits_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    _seal(path, os.urandom(3 * SEGMENT_BYTES + 10))
    header, segments = _segments(path)
    altered = {
        "dropped last segment": header + b"".join(segments[:-1]),
        "swapped segments": header + segments[1] + segments[0] + b"".join(segments[2:]),
        "cut inside a segment": header + b"".join(segments)[:-5],
        "flipped bit": header
        + segments[0][:9]
        + bytes([segments[0][9] ^ 1])
        + segments[0][10:]
        + b"".join(segments[1:]),
    }
    for case, content in altered.items():
        path.write_bytes(content)
        with pytest.raises(DataTampered, match=r"f\.bin"), SealedReader(path, RING, "f.bin") as r:
            r.read()
            pytest.fail(f"{case} was not caught")
    path.write_bytes(b"PAR1" + b"x" * 100)
    with pytest.raises(DataTampered, match="not an encrypted"):
        SealedReader(path, RING, "f.bin")


def test_a_header_under_another_key_or_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    _seal(path, b"secret rows")
    with pytest.raises(DataKeyUnavailable, match="data key 'k1' is not configured"):
        SealedReader(path, Keyring("k2", {"k2": new_key()}, "other keys"), "f.bin")
    with pytest.raises(DataKeyUnavailable, match="does not open with data key 'k1'"):
        SealedReader(path, Keyring("k1", {"k1": new_key()}, "other keys"), "f.bin")


def _parts(settings: Settings, tables: list[pa.Table]) -> list[Path]:
    folder = settings.data_dir / "quarantine" / "ds"
    folder.mkdir(parents=True)
    paths = []
    ring = prepare(settings).ring()
    for index, table in enumerate(tables):
        path = folder / f"{index}.parquet"
        with parquet_sink(path, ring) as sink, pq.ParquetWriter(sink, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=1_000):
                writer.write_batch(batch)
        paths.append(path)
    return paths


def test_sample_is_seeded_bounded_and_draws_from_every_part(tmp_path: Path) -> None:
    settings = _settings(tmp_path, f"s1:{base64.b64encode(new_key()).decode()}")
    tables = [pa.table({"n": pa.array(range(i * 10_000, (i + 1) * 10_000))}) for i in range(3)]
    paths = _parts(settings, tables)
    drawn = sample(paths, 900, seed=3)
    values = drawn["n"].to_pylist()
    assert (
        len(values) == len(set(values)) == 900 and values == sample(paths, 900, 3)["n"].to_pylist()
    )
    assert {v // 10_000 for v in values} == {0, 1, 2} and values != sample(paths, 900, 4)[
        "n"
    ].to_pylist()
    assert sorted(sample(paths, 50_000)["n"].to_pylist()) == list(range(30_000))
    assert whole(paths)["n"].to_pylist() == list(range(30_000))
    assert schema(paths[0]) == tables[0].schema


def test_rotation_rewraps_headers_reencrypts_on_request_and_seals_plain_parts(
    tmp_path: Path,
) -> None:
    old = f"old:{base64.b64encode(new_key()).decode()}"
    settings = _settings(tmp_path, old)
    table = pa.table({"id": [f"11010519491231002{i}" for i in range(10)]})
    (sealed,) = _parts(settings, [table])
    plain = sealed.with_name("legacy.parquet")
    pq.write_table(table, plain)
    with pytest.raises(DataTampered, match=r"legacy\.parquet is not encrypted"):
        whole([plain])
    secret = dataset_secret(settings, "ds")
    segments_before = _segments(sealed)[1]
    new_settings = _settings(tmp_path, f"new:{base64.b64encode(new_key()).decode()},{old}")
    ring = prepare(new_settings).ring()
    done = rewrap_all(new_settings.data_dir, ring)
    assert (done["parts rewrapped"], done["parts sealed"], done["secrets rewrapped"]) == (1, 1, 1)
    assert _segments(sealed)[1] == segments_before  # only the header changed
    assert rewrap_all(new_settings.data_dir, ring)["parts current"] == 2  # idempotent
    assert rewrap_all(new_settings.data_dir, ring, reencrypt=True)["parts re-encrypted"] == 2
    assert _segments(sealed)[1][0] != segments_before[0]
    assert usage(new_settings.data_dir) == {"new": 3}
    only_new = _settings(tmp_path, new_settings.data_keys.get_secret_value().split(",")[0])  # type: ignore[union-attr]
    prepare(only_new)
    assert whole([sealed, plain])["id"].to_pylist() == table["id"].to_pylist() * 2
    assert dataset_secret(only_new, "ds") == secret


def test_two_processes_creating_a_secret_agree(tmp_path: Path) -> None:
    settings = _settings(tmp_path, f"k:{base64.b64encode(new_key()).decode()}")
    found: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: found.append(dataset_secret(settings, "race")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert [p.name for p in (settings.data_dir / "secrets").iterdir()] == ["race.json"]


def test_key_files_development_default_permissions_and_place(tmp_path: Path) -> None:
    dev = Settings(environment="development", data_dir=tmp_path / "var", data_keys=None)
    source = prepare(dev)
    assert source.path == default_key_file(dev) == tmp_path / "var-data-keys.json"
    assert source.path.stat().st_mode & 0o777 == 0o600
    assert prepare(dev).ring() == read_key_file(source.path)  # not regenerated
    source.path.chmod(0o644)
    with pytest.raises(DataKeyUnavailable, match="readable by others"):
        read_key_file(source.path)
    inside = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key=TEST_SECRET,
        data_keys=None,
        data_key_file=tmp_path / "var" / "k.json",
    )
    with pytest.raises(DataKeyUnavailable, match="outside the data directory"):
        prepare(inside)
    missing = Settings(
        environment="production",
        data_dir=tmp_path / "p",
        secret_key=TEST_SECRET,
        data_keys=None,
        data_key_file=tmp_path / "none.json",
    )
    with pytest.raises(DataKeyUnavailable, match="does not exist"):
        prepare(missing)
    assert create_key_file(tmp_path / "k.json") and not create_key_file(tmp_path / "k.json")


def test_inline_keys_are_checked_without_echoing_them() -> None:
    for text in ("k1", "k1:c2hvcnQ=", "bad id!:" + "A" * 44):
        with pytest.raises(DataKeyUnavailable) as caught:
            parse_inline(text)
        assert "c2hvcnQ" not in caught.value.detail and "AAAA" not in caught.value.detail
