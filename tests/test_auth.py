"""Callers: keys, roles, organisations (that nothing ever echoes a key is checked over a whole
session in ``test_secrets_hygiene``)."""

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.db.models import ApiKey
from app.db.session import Database
from tests.world import World, auth


def _dataset(client: TestClient, key: str, name: str = "registry") -> str:
    response = client.post("/v1/datasets", json={"name": name}, headers=auth(key))
    assert response.status_code == 201, response.text
    dataset_id: str = response.json()["id"]
    return dataset_id


def test_me_names_the_caller(client: TestClient, world: World) -> None:
    body = client.get("/v1/me", headers=auth(world.agency)).json()
    assert body == {
        "principal_id": world.agency_id,
        "name": "gz agency",
        "role": "agency",
        "org_id": world.org_id,
    }


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer pz_0123456789abcdef_" + "A" * 43,
    ],
)
def test_missing_or_bad_key_is_401(client: TestClient, world: World, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_right_key_id_wrong_secret_is_401(client: TestClient, world: World) -> None:
    key_id = world.agency.split("_")[1]
    forged = f"pz_{key_id}_{'B' * 43}"
    assert client.get("/v1/me", headers=auth(forged)).status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("consumer", "post", "/v1/datasets", {"name": "x"}),
        ("auditor", "post", "/v1/datasets", {"name": "x"}),
        ("admin", "get", "/v1/datasets", None),
        ("agency", "post", "/v1/orgs", {"name": "x"}),
        ("consumer", "get", "/v1/audit/events", None),
        ("agency", "get", "/v1/audit/verify", None),
        ("auditor", "post", "/v1/principals", {"name": "x", "role": "agency", "org_id": "o"}),
    ],
)
def test_wrong_role_is_403(
    client: TestClient, world: World, role: str, method: str, path: str, body: object
) -> None:
    key = getattr(world, role)
    response = client.request(method, path, json=body, headers=auth(key))
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"


def test_another_organisations_dataset_is_404(client: TestClient, world: World) -> None:
    dataset_id = _dataset(client, world.agency)
    other = auth(world.other_agency)
    assert client.get(f"/v1/datasets/{dataset_id}", headers=other).status_code == 404
    upload = client.post(
        f"/v1/datasets/{dataset_id}/versions",
        content=b"a,b\n1,2\n",
        headers={**other, "Content-Type": "text/csv"},
    )
    assert upload.status_code == 404
    assert upload.json()["error"] == "NotFound"
    listed = client.get("/v1/datasets", headers=other).json()["items"]
    assert dataset_id not in [item["id"] for item in listed]
    unknown = client.get("/v1/datasets/ds_doesnotexist", headers=auth(world.agency))
    assert unknown.json()["detail"] == upload.json()["detail"].replace(
        dataset_id, "ds_doesnotexist"
    )


def test_admin_creates_org_principal_key_and_revokes(client: TestClient, world: World) -> None:
    admin = auth(world.admin)
    org = client.post("/v1/orgs", json={"name": "Foshan Transport"}, headers=admin)
    assert org.status_code == 201
    principal = client.post(
        "/v1/principals",
        json={"name": "fs agency", "role": "agency", "org_id": org.json()["id"]},
        headers=admin,
    )
    assert principal.status_code == 201
    issued = client.post(f"/v1/principals/{principal.json()['id']}/keys", headers=admin)
    assert issued.status_code == 201
    key, key_id = issued.json()["key"], issued.json()["key_id"]
    assert key.startswith(f"pz_{key_id}_")
    me = client.get("/v1/me", headers=auth(key)).json()
    assert me["org_id"] == org.json()["id"] and me["role"] == "agency"
    revoked = client.delete(f"/v1/keys/{key_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/v1/me", headers=auth(key)).status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/orgs", {"name": ""}, 422, "name"),
        ("/v1/orgs", {"name": "x", "extra": 1}, 422, "extra"),
        ("/v1/principals", {"name": "p", "role": "root", "org_id": "x"}, 422, "role"),
        ("/v1/principals", {"name": "p", "role": "agency", "org_id": "org_none"}, 422, "org_id"),
    ],
)
def test_admin_input_errors_name_the_field(
    client: TestClient, world: World, path: str, body: object, status: int, field: str
) -> None:
    response = client.post(path, json=body, headers=auth(world.admin))
    assert response.status_code == status
    assert response.json()["field"] == field


def test_duplicate_org_is_409_and_bad_json_is_400(client: TestClient, world: World) -> None:
    admin = auth(world.admin)
    assert client.post("/v1/orgs", json={"name": "Dup"}, headers=admin).status_code == 201
    again = client.post("/v1/orgs", json={"name": "Dup"}, headers=admin)
    assert again.status_code == 409 and again.json()["error"] == "Conflict"
    broken = client.post(
        "/v1/orgs", content=b"{not json", headers={**admin, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"] == "MalformedRequest"


def test_key_for_unknown_principal_is_404(client: TestClient, world: World) -> None:
    response = client.post("/v1/principals/prn_nobody/keys", headers=auth(world.admin))
    assert response.status_code == 404


def test_only_a_hash_of_the_key_is_stored(client: TestClient, world: World, db: Database) -> None:
    key_id, secret = world.agency.split("_", 2)[1:]
    with db.reading() as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.id == key_id)).one()
    assert secret not in stored.secret_sha256
    assert len(stored.secret_sha256) == 64
