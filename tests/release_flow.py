"""Helpers for the scan → review → policy → publish flow over HTTP."""

import time
from typing import Any

from starlette.testclient import TestClient

from tests.world import auth


def wait_job(client: TestClient, key: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=auth(key)).json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def classification(client: TestClient, key: str, dataset_id: str, version: int = 1) -> Any:
    path = f"/v1/datasets/{dataset_id}/versions/{version}/classification"
    return client.get(path, headers=auth(key))
