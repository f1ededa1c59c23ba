"""Operations endpoints and the request id."""

from starlette.testclient import TestClient

from tests.world import World, auth


def test_liveness_readiness_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    for path in (
        "/v1/me",
        "/v1/datasets",
        "/v1/datasets/{dataset_id}/versions",
        "/v1/audit/verify",
    ):
        assert path in spec["paths"]


def test_every_response_carries_a_request_id(client: TestClient, world: World) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/v1/me"),
        client.get("/v1/me", headers=auth(world.agency)),
        client.get("/v1/nowhere", headers=auth(world.agency)),
    ]
    ids = [response.headers["x-request-id"] for response in responses]
    assert len(set(ids)) == len(ids)


def test_a_well_formed_client_request_id_is_kept(client: TestClient, world: World) -> None:
    response = client.get(
        "/v1/me", headers={**auth(world.agency), "X-Request-ID": "trace-20261129-0001"}
    )
    assert response.headers["x-request-id"] == "trace-20261129-0001"
    spoofed = client.get("/v1/me", headers={**auth(world.agency), "X-Request-ID": "bad id\n"})
    assert spoofed.headers["x-request-id"] != "bad id\n"


def test_unknown_route_and_method_use_the_error_shape(client: TestClient, world: World) -> None:
    missing = client.get("/v1/nowhere", headers=auth(world.agency))
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail"}
    wrong = client.put("/v1/me", headers=auth(world.agency))
    assert wrong.status_code == 405 and wrong.json()["error"] == "MethodNotAllowed"
