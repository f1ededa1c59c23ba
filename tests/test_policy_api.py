"""PUT /v1/datasets/{id}/policy: JSON, YAML, templates; errors name the field."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.uploads import new_dataset, post_file
from tests.world import World, auth

FIXTURES = Path(__file__).parent / "fixtures" / "policies"


def _put(client: TestClient, key: str, dataset_id: str, body: bytes, media: str):  # type: ignore[no-untyped-def]
    return client.put(
        f"/v1/datasets/{dataset_id}/policy",
        content=body,
        headers={**auth(key), "Content-Type": media},
    )


def test_yaml_policy_is_stored_with_its_hash(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    body = (FIXTURES / "good_registry.yaml").read_bytes()
    response = _put(client, world.agency, dataset_id, body, "application/yaml")
    assert response.status_code == 200, response.text
    stored = response.json()
    assert len(stored["sha256"]) == 64 and stored["policy"]["name"] == "guangzhou-company-registry"
    again = client.get(f"/v1/datasets/{dataset_id}/policy", headers=auth(world.agency)).json()
    assert again == stored


def test_template_policy(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = client.put(
        f"/v1/datasets/{dataset_id}/policy",
        json={"template": "pipl-sensitive"},
        headers=auth(world.agency),
    )
    assert response.status_code == 200 and response.json()["policy"]["epsilon_total"] == 3.0


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("broken_*.yaml")), ids=lambda p: p.stem)
def test_broken_policy_is_422(client: TestClient, world: World, path: Path) -> None:
    dataset_id = new_dataset(client, world.agency)
    response = _put(client, world.agency, dataset_id, path.read_bytes(), "application/yaml")
    assert response.status_code == 422, response.text
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    if expected != "<document>":
        assert response.json()["field"] == expected
    missing = client.get(f"/v1/datasets/{dataset_id}/policy", headers=auth(world.agency))
    assert missing.status_code == 404


def test_policy_on_a_column_the_dataset_lacks_is_422(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    post_file(client, world.agency, dataset_id, "district,age\n天河区,30\n".encode())
    salary = {"type": "number", "lower": 0, "upper": 1}
    policy = {"template": "open-data", "columns": {"salary": salary}}
    response = client.put(
        f"/v1/datasets/{dataset_id}/policy", json=policy, headers=auth(world.agency)
    )
    assert response.status_code == 422 and response.json()["field"] == "columns.salary"


def test_malformed_and_unsupported_bodies(client: TestClient, world: World) -> None:
    dataset_id = new_dataset(client, world.agency)
    assert _put(client, world.agency, dataset_id, b"{", "application/json").status_code == 400
    assert _put(client, world.agency, dataset_id, b"x", "text/plain").status_code == 400
    other = _put(client, world.other_agency, dataset_id, b"{}", "application/json")
    assert other.status_code == 404


def test_unbuildable_hierarchy_is_422_at_put_time(client: TestClient, world: World) -> None:
    """The loader accepts any mapping; the service builds every hierarchy before storing."""
    dataset_id = new_dataset(client, world.agency)
    path = FIXTURES / "unbuildable_hierarchy.yaml"
    response = _put(client, world.agency, dataset_id, path.read_bytes(), "application/yaml")
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "extracts.hierarchies.birth_year.type"
    assert (
        client.get(f"/v1/datasets/{dataset_id}/policy", headers=auth(world.agency)).status_code
        == 404
    )
