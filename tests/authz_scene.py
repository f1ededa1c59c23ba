"""The cast and the objects the authorization matrix walks over, built over HTTP."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import Any

from starlette.testclient import TestClient

from app.clock import CLOCK
from app.db.session import Database
from app.services import principals
from tests.company_register import ask, csv_bytes, publish_register, register
from tests.release_flow import wait_job
from tests.uploads import new_dataset, post_file
from tests.world import World, auth

CALLERS = (
    "admin",
    "agency",
    "other_agency",
    "consumer",
    "expired",
    "rival",
    "auditor",
    "nobody",
    "revoked",
)
SMALL_CSV = csv_bytes(register(12, seed=3))


@dataclass
class Scene:
    """``consumer`` holds an active grant on ``dataset_id``, ``expired`` one that has expired,
    ``rival`` none; ``revoked`` is a revoked agency key of the owning organisation."""

    client: TestClient
    world: World
    keys: dict[str, str | None]
    ids: dict[str, str]
    raw_values: set[str]
    serial: count[int] = field(default_factory=count)

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self.serial)}"

    def post(self, key: str, path: str, body: Any) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=auth(key))
        assert response.status_code < 300, response.text
        result: dict[str, Any] = response.json()
        return result

    def fresh_request(self) -> str:
        return str(ask(self.client, self.world.consumer, self.ids["dataset"])["id"])

    def fresh_grant(self) -> str:
        path = f"/v1/access-requests/{self.fresh_request()}/approve"
        return str(self.post(self.world.agency, path, {})["id"])

    def fresh_dataset(self) -> str:
        return new_dataset(self.client, self.world.agency, self.unique("fresh"))

    def fresh_key(self) -> str:
        path = f"/v1/principals/{self.ids['spare_principal']}/keys"
        return str(self.post(self.world.admin, path, {})["key_id"])


def _keys(db: Database, world: World) -> tuple[dict[str, str | None], dict[str, str]]:
    with db.transaction() as session:
        lab = principals.create_org(session, "Expired Lab")
        rival_org = principals.create_org(session, "Rival AI Co")
        expired = principals.principal_with_key(session, lab.id, "consumer", "expired")
        rival = principals.principal_with_key(session, rival_org.id, "consumer", "rival")
        revoked = principals.principal_with_key(session, world.org_id, "agency", "gone")
        spare = principals.principal_with_key(session, rival_org.id, "consumer", "spare")
    keys: dict[str, str | None] = {
        "admin": world.admin,
        "agency": world.agency,
        "other_agency": world.other_agency,
        "consumer": world.consumer,
        "expired": expired.key,
        "rival": rival.key,
        "auditor": world.auditor,
        "nobody": None,
        "revoked": revoked.key,
    }
    ids = {
        "revoked_key_id": revoked.key.split("_")[1],
        "expired_principal": expired.principal_id,
        "spare_principal": spare.principal_id,
    }
    return keys, ids


def build_scene(client: TestClient, world: World, db: Database) -> Scene:
    keys, ids = _keys(db, world)
    release = publish_register(client, world, rows=80)
    ids["dataset"] = release.dataset_id
    scene = Scene(client, world, keys, ids, _raw(release.table))
    _revoke_key(scene)
    _expired_grant(scene)
    ids["grant"] = scene.fresh_grant()
    ids["request"] = scene.fresh_request()
    _unpublished(scene)
    _extract(scene)
    return scene


def _raw(table: Any) -> set[str]:
    columns = ("legal_rep", "id_number", "mobile", "address")
    return {str(value) for name in columns for value in table.column(name).to_pylist()}


def _revoke_key(scene: Scene) -> None:
    response = scene.client.delete(
        f"/v1/keys/{scene.ids['revoked_key_id']}", headers=auth(scene.world.admin)
    )
    assert response.status_code == 200, response.text


def _expired_grant(scene: Scene) -> None:
    """A grant approved to end a second from now, then left to expire."""
    key = scene.keys["expired"]
    assert key is not None
    request = ask(scene.client, key, scene.ids["dataset"], days=1)
    until = (CLOCK.now() + timedelta(seconds=1)).isoformat()
    path = f"/v1/access-requests/{request['id']}/approve"
    scene.post(scene.world.agency, path, {"expires_at": until})
    time.sleep(1.2)


def _unpublished(scene: Scene) -> None:
    """A scanned, never published dataset of the owning agency, and its scan job."""
    dataset_id = scene.fresh_dataset()
    upload = post_file(scene.client, scene.world.agency, dataset_id, SMALL_CSV)
    job_id = upload.json()["scan_job_id"]
    assert wait_job(scene.client, scene.world.agency, job_id)["state"] == "succeeded"
    scene.ids["scanned"], scene.ids["scan_job"] = dataset_id, job_id


def _extract(scene: Scene) -> None:
    path = f"/v1/datasets/{scene.ids['dataset']}/extracts"
    started = scene.post(scene.world.consumer, path, {"format": "csv"})
    assert wait_job(scene.client, scene.world.consumer, started["job_id"])["state"] == "succeeded"
    scene.ids["extract"], scene.ids["extract_job"] = started["id"], started["job_id"]
    events = scene.client.get(
        "/v1/audit/events", params={"action": "extracts.create"}, headers=auth(scene.world.auditor)
    ).json()["items"]
    scene.ids["consumer_event"] = str(events[-1]["seq"])
