"""A published PUMS dataset with a DP policy and a consumer grant, built over HTTP."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.release_flow import wait_job
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

PUMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "PUMS.csv"
POLICY: dict[str, Any] = {
    "name": "pums-release",
    "epsilon_total": 5.0,
    "delta_total": 1e-6,
    "grant_default_epsilon": 1.0,
    "max_query_epsilon": 1.0,
    "min_group_size": 5,
    "columns": {
        "age": {"type": "integer", "lower": 0, "upper": 100, "filter": True, "operator": "keep"},
        "income": {"type": "integer", "lower": 0, "upper": 500000, "operator": "keep"},
        "sex": {
            "type": "category",
            "public_values": ["0", "1"],
            "group_by": True,
            "operator": "keep",
        },
        "educ": {"type": "category", "group_by": True, "operator": "keep"},
        "married": {"type": "category", "operator": "keep"},
        "race": {"operator": "drop"},
    },
}


@dataclass
class Published:
    dataset_id: str
    grant_id: str
    consumer_id: str


def publish_pums(client: TestClient, world: World, grant_epsilon: float = 2.0) -> Published:
    dataset_id = new_dataset(client, world.agency, "pums")
    upload = post_file(client, world.agency, dataset_id, PUMS.read_bytes())
    assert wait_job(client, world.agency, upload.json()["scan_job_id"])["state"] == "succeeded"
    policy = client.put(
        f"/v1/datasets/{dataset_id}/policy", json=POLICY, headers=auth(world.agency)
    )
    assert policy.status_code == 200, policy.text
    started = client.post(
        f"/v1/datasets/{dataset_id}/publish", json={"version": 1}, headers=auth(world.agency)
    )
    assert wait_job(client, world.agency, started.json()["job_id"])["state"] == "succeeded"
    consumer_id = client.get("/v1/me", headers=auth(world.consumer)).json()["principal_id"]
    grant = client.post(
        "/v1/grants",
        json={
            "dataset_id": dataset_id,
            "consumer_id": consumer_id,
            "epsilon": grant_epsilon,
            "delta": 1e-7,
            "purpose": "labour-market research",
        },
        headers=auth(world.admin),
    )
    assert grant.status_code == 201, grant.text
    return Published(dataset_id, grant.json()["id"], consumer_id)
