"""Encryption at rest, over HTTP and the command line: nothing raw in the data directory or the
database, rotation keeps everything readable and the pseudonyms stable, a missing or wrong key
is a clear 503 / failed job, an altered quarantine file is caught and nothing is published."""

import base64
import json
import logging
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from app.config import Settings
from app.crypto.errors import DataKeyUnavailable
from app.crypto.keyfile import create_key_file, read_key_file
from app.crypto.sealed_file import header_of
from app.db.session import Database
from app.main import create_app
from app.repositories import datasets as dataset_repo
from app.services.secrets import dataset_secret
from app.storage.read import whole
from tests.encryption_tools import (
    csv_bytes,
    database_dump,
    files_under,
    found_in_files,
    key_forms,
    other_app,
    pazhou,
    people,
    plaintext_windows,
    publish,
    raw_values,
    sqlite_files,
    upload_and_scan,
)
from tests.release_flow import classification
from tests.uploads import post_file
from tests.world import World, auth

OTHER_KEY = base64.b64encode(bytes(range(32))).decode()


def _parts(settings: Settings, dataset_id: str, version: int = 1) -> list[Path]:
    db = Database(settings.sqlalchemy_url)
    with db.reading() as session:
        row = dataset_repo.version(session, dataset_id, version)
    db.dispose()
    assert row is not None
    return [settings.data_dir / part for part in row.parts]


def _published_ids(settings: Settings, job: dict[str, object]) -> list[str]:
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert isinstance(result, dict)
    return [str(v) for v in pq.read_table(settings.data_dir / result["file"])["身份证号"]]


def _inline_key(settings: Settings) -> bytes:
    assert settings.data_keys is not None
    return base64.b64decode(settings.data_keys.get_secret_value().split(":", 1)[1])


def test_a_copy_of_the_data_and_the_database_reveals_no_raw_value(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    source = people()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("pazhou").addHandler(handler)
    try:
        dataset_id = upload_and_scan(client, world, csv_bytes(source))
        report = {
            c["name"]: c for c in classification(client, world.agency, dataset_id).json()["columns"]
        }
        assert report["身份证号"]["entity"] == "CN_RESIDENT_ID"
        job = publish(client, world, dataset_id)
        assert len(_published_ids(settings, job)) == source.num_rows
    finally:
        logging.getLogger("pazhou").removeHandler(handler)
    raw = raw_values(source)
    control = tmp_path / "control.parquet"  # the grep does see values stored in the clear
    pq.write_table(whole(_parts(settings, dataset_id)), control, compression="none")
    assert len(found_in_files([control], raw)) > 0.75 * len(raw) > 700
    on_disk = list(files_under(settings.data_dir)) + sqlite_files(settings.sqlalchemy_url)
    assert any("quarantine" in str(p) for p in on_disk) and any(
        "secrets" in str(p) for p in on_disk
    )
    assert found_in_files(on_disk, raw) == []
    # compression could hide values from a grep: the Parquet bytes themselves appear nowhere
    for part in _parts(settings, dataset_id):
        assert found_in_files(on_disk, plaintext_windows(part)) == []
    dump = database_dump(settings.sqlalchemy_url)
    assert [v for v in raw if v in dump] == []
    secrets = key_forms(_inline_key(settings)) | key_forms(dataset_secret(settings, dataset_id))
    assert found_in_files(on_disk, secrets) == [] and [s for s in secrets if s in dump] == []
    logs = "\n".join(r.getMessage() + str(r.exc_info or "") for r in records).encode()
    assert [s for s in secrets | raw if s in logs] == []


def test_rotation_then_removing_the_old_key_keeps_everything_and_the_pseudonyms(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "data-keys.json"
    create_key_file(key_file)
    first = read_key_file(key_file).active_id
    with other_app(settings, data_keys=None, data_key_file=key_file) as client:
        dataset_id = upload_and_scan(client, world, csv_bytes(people(120)))
        assert key_file.stat().st_mode & 0o077 == 0
        before = _published_ids(settings, publish(client, world, dataset_id))
        rotated = pazhou(settings, key_file, "keys", "rotate-data-key")
        assert rotated.returncode == 0, rotated.stderr
        done = json.loads(rotated.stdout.splitlines()[0])
        assert done["parts rewrapped"] == 1 and done["secrets rewrapped"] == 1
        assert done["removable"] == [first] and done["active"] != first
        removed = pazhou(settings, key_file, "keys", "remove-data-key", first)
        assert removed.returncode == 0, removed.stderr
        assert sorted(read_key_file(key_file).keys) == [done["active"]]
        part = _parts(settings, dataset_id)[0]
        assert header_of(part, part.name)[0].key_id == done["active"]
        # the running server re-reads the changed key file: same pseudonyms, batches still fit
        assert _published_ids(settings, publish(client, world, dataset_id)) == before
        batch = post_file(client, world.agency, dataset_id, csv_bytes(people(5)), batch=True)
        assert batch.status_code == 201, batch.text
    status = pazhou(settings, key_file, "keys", "status")
    assert json.loads(status.stdout)["files_per_key"] == {done["active"]: 3}, status.stderr
    audit = database_dump(settings.sqlalchemy_url).decode()
    assert "keys.rotate" in audit and "keys.remove" in audit


def test_inline_keys_rotate_in_two_steps(world: World, settings: Settings) -> None:
    assert settings.data_keys is not None
    old = settings.data_keys.get_secret_value()
    with other_app(settings) as client:
        dataset_id = upload_and_scan(client, world, csv_bytes(people(60)))
        before = _published_ids(settings, publish(client, world, dataset_id))
    printed = pazhou(settings, old, "keys", "rotate-data-key")
    assert printed.returncode == 0 and "PAZHOU_DATA_KEYS" in printed.stdout, printed.stderr
    new_entry = printed.stdout.strip().splitlines()[-1]
    new_id = new_entry.split(":", 1)[0]
    rewrapped = pazhou(settings, f"{new_entry},{old}", "keys", "rotate-data-key", "--rewrap-only")
    assert rewrapped.returncode == 0, rewrapped.stderr
    assert json.loads(rewrapped.stdout.splitlines()[0])["removable"] == ["test-key"]
    assert (
        pazhou(settings, f"{new_entry},{old}", "keys", "remove-data-key", "test-key").returncode
        == 0
    )
    with other_app(settings, data_keys=SecretStr(new_entry)) as client:
        assert _published_ids(settings, publish(client, world, dataset_id)) == before
    status = pazhou(settings, new_entry, "keys", "status")
    assert json.loads(status.stdout)["files_per_key"] == {new_id: 2}, status.stderr


def test_a_missing_or_wrong_key_is_a_clear_503_and_a_failed_job(
    world: World, settings: Settings
) -> None:
    with other_app(settings) as client:
        dataset_id = upload_and_scan(client, world, csv_bytes(people(40)))
    with pytest.raises(DataKeyUnavailable, match="PAZHOU_DATA_KEYS or PAZHOU_DATA_KEY_FILE"):
        create_app(settings.model_copy(update={"data_keys": None}))
    right_key = base64.b64encode(_inline_key(settings)).decode()
    wrong = {"unknown id": f"other:{OTHER_KEY}", "same id, other key": f"test-key:{OTHER_KEY}"}
    for case, keys in wrong.items():
        with other_app(settings, data_keys=SecretStr(keys)) as other:
            batch = post_file(other, world.agency, dataset_id, csv_bytes(people(3)), batch=True)
            assert batch.status_code == 503, (case, batch.text)
            body = batch.json()
            assert body["error"] == "DataKeyUnavailable" and "'test-key'" in body["detail"]
            assert OTHER_KEY not in batch.text and right_key not in batch.text
            job = publish(other, world, dataset_id)
            assert job["state"] == "failed" and "test-key" in str(job["error"]), job
            assert OTHER_KEY not in str(job) and right_key not in str(job)
            dataset = other.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
            assert dataset["published_version"] is None


def test_a_deleted_key_file_is_a_503_for_uploads(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    key_file = tmp_path / "outside" / "keys.json"
    create_key_file(key_file)
    with other_app(settings, data_keys=None, data_key_file=key_file) as client:
        dataset_id = upload_and_scan(client, world, csv_bytes(people(10)))
        key_file.unlink()
        response = post_file(client, world.agency, dataset_id, csv_bytes(people(10)))
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "DataKeyUnavailable"
        assert "is missing" in response.json()["detail"]


def test_an_altered_quarantine_file_fails_the_job_and_publishes_nothing(
    client: TestClient, world: World, settings: Settings
) -> None:
    dataset_id = upload_and_scan(client, world, csv_bytes(people(400)))
    part = _parts(settings, dataset_id)[0]
    data = bytearray(part.read_bytes())
    data[len(data) // 3] ^= 0x01
    part.write_bytes(bytes(data))
    job = publish(client, world, dataset_id)
    relative = str(part.relative_to(settings.data_dir))
    assert job["state"] == "failed" and relative in str(job["error"]), job
    assert "integrity" in str(job["error"])
    assert not list((settings.data_dir / "published").rglob("*.parquet"))
    dataset = client.get(f"/v1/datasets/{dataset_id}", headers=auth(world.agency)).json()
    assert dataset["published_version"] is None and dataset["state"] != "published"


def test_pseudonym_secrets_are_random_sealed_and_shared(settings: Settings) -> None:
    first = dataset_secret(settings, "ds-1")
    assert dataset_secret(settings, "ds-1") == first != dataset_secret(settings, "ds-2")
    stored = (settings.data_dir / "secrets" / "ds-1.json").read_text()
    assert json.loads(stored)["key_id"] == "test-key" and first.hex() not in stored
    assert os.stat(settings.data_dir / "secrets" / "ds-1.json").st_mode & 0o077 == 0
