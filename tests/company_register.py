"""A generated Guangzhou company register (Faker zh_CN) and its release over HTTP."""

import io
import random
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from faker import Faker
from starlette.testclient import TestClient

from tests.release_flow import wait_job
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

DISTRICTS = ("天河区", "海珠区", "越秀区", "荔湾区", "白云区", "黄埔区")
INDUSTRIES = ("IT", "Retail", "制造业", "餐饮")
IDENTIFIERS = ("legal_rep", "id_number", "mobile", "address")


def register(rows: int, seed: int = 7) -> pa.Table:
    """Companies with their legal representatives' names, ID numbers, mobiles and addresses."""
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)
    data: dict[str, list[Any]] = {
        name: []
        for name in (
            "company",
            "legal_rep",
            "id_number",
            "mobile",
            "address",
            "district",
            "birth_year",
            "gender",
            "industry",
            "registered_capital",
            "founded",
        )
    }
    for _ in range(rows):
        id_number = fake.ssn(min_age=25, max_age=70)
        data["company"].append(fake.company())
        data["legal_rep"].append(fake.name())
        data["id_number"].append(id_number)
        data["mobile"].append(fake.phone_number())
        data["address"].append(fake.address())
        data["district"].append(rng.choice(DISTRICTS))
        data["birth_year"].append(int(id_number[6:10]))
        data["gender"].append("男" if int(id_number[16]) % 2 else "女")
        data["industry"].append(rng.choice(INDUSTRIES))
        data["registered_capital"].append(rng.randrange(10_000, 50_000_000))
        data["founded"].append(fake.date_between("-20y", "-1y").isoformat())
    return pa.table(data)


POLICY: dict[str, Any] = {
    "name": "gz-company-register",
    "epsilon_total": 3.0,
    "delta_total": 1e-6,
    "grant_default_epsilon": 1.0,
    "max_query_epsilon": 1.0,
    "min_group_size": 5,
    "extracts": {
        "k_anonymity": 5,
        "quasi_identifiers": ["district", "birth_year", "gender"],
        "hierarchies": {"birth_year": {"type": "bands", "widths": [5, 10, 20, 40]}},
    },
    "columns": {
        "company": {"operator": "keep"},
        "legal_rep": {"operator": "pseudonymize"},
        "id_number": {"operator": "pseudonymize", "params": {"length": 20}},
        "mobile": {"operator": "mask", "params": {"keep_first": 3, "keep_last": 4}},
        "address": {"operator": "drop"},
        "district": {
            "type": "category",
            "public_values": list(DISTRICTS),
            "group_by": True,
            "operator": "keep",
        },
        "birth_year": {"type": "integer", "lower": 1940, "upper": 2010, "operator": "keep"},
        "gender": {
            "type": "category",
            "public_values": ["男", "女"],
            "group_by": True,
            "operator": "keep",
        },
        "industry": {"type": "category", "public_values": list(INDUSTRIES), "operator": "keep"},
        "registered_capital": {
            "type": "number",
            "lower": 0,
            "upper": 50_000_000,
            "operator": "keep",
        },
        "founded": {"operator": "generalize", "params": {"kind": "date", "to": "month"}},
    },
}


@dataclass
class Release:
    dataset_id: str
    table: pa.Table


def csv_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def publish_register(
    client: TestClient, world: World, rows: int = 400, name: str = "company-register"
) -> Release:
    """Upload, scan, set the policy and publish; the published version is 1."""
    table = register(rows)
    dataset_id = new_dataset(client, world.agency, name)
    upload = post_file(client, world.agency, dataset_id, csv_bytes(table))
    assert upload.status_code == 201, upload.text
    assert wait_job(client, world.agency, upload.json()["scan_job_id"])["state"] == "succeeded"
    put = client.put(f"/v1/datasets/{dataset_id}/policy", json=POLICY, headers=auth(world.agency))
    assert put.status_code == 200, put.text
    started = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": 1}, headers=auth(world.agency)
    )
    job = wait_job(client, world.agency, started.json()["job_id"])
    assert job["state"] == "succeeded", job
    return Release(dataset_id, table)


def ask(client: TestClient, key: str, dataset_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "dataset_id": dataset_id,
        "purpose": "credit-risk model for small businesses",
        "outputs": ["dp_query", "extract"],
        "epsilon": 2.0,
        "days": 30,
        **overrides,
    }
    response = client.post("/v1/access-requests", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
