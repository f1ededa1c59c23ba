"""Helpers for upload tests: post a body, list the files a dataset has on disk."""

from pathlib import Path

import httpx
from starlette.testclient import TestClient

from tests.world import auth


def new_dataset(client: TestClient, key: str, name: str = "registry") -> str:
    response = client.post("/v1/datasets", json={"name": name}, headers=auth(key))
    assert response.status_code == 201, response.text
    dataset_id: str = response.json()["id"]
    return dataset_id


def post_file(
    client: TestClient,
    key: str,
    dataset_id: str,
    body: bytes,
    content_type: str = "text/csv",
    batch: bool = False,
) -> httpx.Response:
    kind = "batches" if batch else "versions"
    return client.post(
        f"/v1/datasets/{dataset_id}/{kind}",
        content=body,
        headers={**auth(key), "Content-Type": content_type},
    )


def files_on_disk(data_dir: Path) -> list[str]:
    """Every file under quarantine/ and tmp/, relative to the data directory."""
    found = []
    for area in ("quarantine", "tmp"):
        found += [str(p.relative_to(data_dir)) for p in (data_dir / area).rglob("*") if p.is_file()]
    return sorted(found)
