"""Extracts: column choice, l-diversity, per-consumer pseudonyms, spreadsheet-safe CSV."""

import io
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from starlette.testclient import TestClient

from app.db.session import Database
from app.services import principals
from tests.company_register import POLICY, ask, csv_bytes, publish_register, register
from tests.release_flow import wait_job
from tests.uploads import new_dataset, post_file
from tests.world import World, auth


def _grant(client: TestClient, world: World, consumer: str, dataset_id: str) -> None:
    request = ask(client, consumer, dataset_id, outputs=["extract"])
    approved = client.post(
        f"/v1/access-requests/{request['id']}/approve", json={}, headers=auth(world.agency)
    )
    assert approved.status_code == 201, approved.text


def _extract(client: TestClient, key: str, dataset_id: str, **body: Any) -> bytes:
    started = client.post(f"/v1/datasets/{dataset_id}/extracts", json=body, headers=auth(key))
    assert started.status_code == 202, started.text
    job = wait_job(client, key, started.json()["job_id"])
    assert job["state"] == "succeeded", job
    download = client.get(f"/v1/extracts/{started.json()['id']}/download", headers=auth(key))
    assert download.status_code == 200, download.text
    return download.content


def test_bad_extract_requests_name_the_problem(client: TestClient, world: World) -> None:
    dataset_id = publish_register(client, world, rows=60).dataset_id
    _grant(client, world, world.consumer, dataset_id)
    url = f"/v1/datasets/{dataset_id}/extracts"
    for body, status, needle in (
        ({"columns": ["address"]}, 422, "address"),
        ({"columns": ["district", "district"]}, 422, "twice"),
        ({"format": "xlsx"}, 422, "format"),
        ({"columns": ["district"], "rows": 5}, 422, "rows"),
    ):
        response = client.post(url, json=body, headers=auth(world.consumer))
        assert response.status_code == status and needle in response.text, response.text
    dp_only = client.get("/v1/extracts/ext_missing", headers=auth(world.consumer))
    assert dp_only.status_code == 404


def test_pseudonyms_are_keyed_per_consumer(client: TestClient, world: World, db: Database) -> None:
    dataset_id = publish_register(client, world, rows=80).dataset_id
    with db.transaction() as session:
        org = principals.create_org(session, "Second Lab")
        other = principals.principal_with_key(session, org.id, "consumer", "second").key
    tables = []
    for key in (world.consumer, other):
        _grant(client, world, key, dataset_id)
        body = _extract(client, key, dataset_id, columns=["id_number"], format="parquet")
        tables.append(pq.read_table(io.BytesIO(body)))
    first, second = (set(t.column("id_number").to_pylist()) - {None} for t in tables)
    assert first and second and not first & second
    assert all(len(value) == 20 for value in first | second)


def test_l_diversity_and_formula_neutralization(client: TestClient, world: World) -> None:
    table = register(300)
    names = table.column("company").to_pylist()
    formulas = ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]
    names[: len(formulas)] = formulas
    table = table.set_column(0, "company", pa.array(names))
    dataset_id = new_dataset(client, world.agency, "formulas")
    upload = post_file(client, world.agency, dataset_id, csv_bytes(table))
    assert wait_job(client, world.agency, upload.json()["scan_job_id"])["state"] == "succeeded"
    policy = {
        **POLICY,
        "extracts": {**POLICY["extracts"], "l_diversity": 2, "sensitive": ["industry"]},
    }
    assert (
        client.put(
            f"/v1/datasets/{dataset_id}/policy", json=policy, headers=auth(world.agency)
        ).status_code
        == 200
    )
    started = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": 1}, headers=auth(world.agency)
    )
    assert wait_job(client, world.agency, started.json()["job_id"])["state"] == "succeeded"
    _grant(client, world, world.consumer, dataset_id)
    body = _extract(client, world.consumer, dataset_id, format="csv")
    rows = pacsv.read_csv(io.BytesIO(body)).to_pylist()
    diversity: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for row in rows:
        diversity[(row["district"], row["birth_year"], row["gender"])].add(row["industry"])
    assert rows and min(len(values) for values in diversity.values()) >= 2
    classes = Counter((r["district"], r["birth_year"], r["gender"]) for r in rows)
    assert min(classes.values()) >= 5
    for row in rows:
        assert not str(row["company"]).startswith(("=", "+", "-", "@", "\t", "\r")), row
    shown = {str(row["company"]) for row in rows}
    assert shown & {"'" + f for f in formulas}
