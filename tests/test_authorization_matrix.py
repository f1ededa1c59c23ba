"""One table: for every endpoint, who may call it. A test walks every cell — each role, the
owning and a foreign organisation, no key, a revoked key, an expired grant — and a second test
fails when an endpoint is missing from the table. Raw values never reach anyone but their
agency, whatever path or guessed id they try."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.db.session import Database
from tests.authz_scene import CALLERS, SMALL_CSV, Scene, build_scene
from tests.company_register import POLICY
from tests.world import World, auth


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    json: Any = None
    content: bytes | None = None


Build = Callable[[Scene], Req]
AUTHENTICATED = ("admin", "agency", "other_agency", "consumer", "expired", "rival", "auditor")
EVERYONE = {caller: 200 for caller in CALLERS}
ANY_KEY = {caller: 200 for caller in AUTHENTICATED}
NOT_ADMIN = {caller: 200 for caller in AUTHENTICATED if caller != "admin"}
OWNER_ONLY = {"agency": 200, "other_agency": 404}
QUERY = {"aggregations": [{"fn": "count"}], "epsilon": 0.01}


def _d(s: Scene, tail: str = "") -> str:
    return f"/v1/datasets/{s.ids['dataset']}{tail}"


MATRIX: dict[str, tuple[Build, dict[str, int]]] = {
    "GET /healthz": (lambda s: Req("GET", "/healthz"), EVERYONE),
    "GET /readyz": (lambda s: Req("GET", "/readyz"), EVERYONE),
    "GET /v1/me": (lambda s: Req("GET", "/v1/me"), ANY_KEY),
    "POST /v1/orgs": (lambda s: Req("POST", "/v1/orgs", {"name": s.unique("org")}), {"admin": 201}),
    "POST /v1/principals": (
        lambda s: Req(
            "POST",
            "/v1/principals",
            {"name": s.unique("p"), "role": "consumer", "org_id": s.world.org_id},
        ),
        {"admin": 201},
    ),
    "POST /v1/principals/{principal_id}/keys": (
        lambda s: Req("POST", f"/v1/principals/{s.ids['spare_principal']}/keys", {}),
        {"admin": 201},
    ),
    "DELETE /v1/keys/{key_id}": (
        lambda s: Req("DELETE", f"/v1/keys/{s.fresh_key()}"),
        {"admin": 200},
    ),
    "POST /v1/datasets": (
        lambda s: Req("POST", "/v1/datasets", {"name": s.unique("ds")}),
        {"agency": 201, "other_agency": 201},
    ),
    "GET /v1/datasets": (
        lambda s: Req("GET", "/v1/datasets"),
        {"agency": 200, "other_agency": 200},
    ),
    "GET /v1/datasets/{dataset_id}": (lambda s: Req("GET", _d(s)), OWNER_ONLY),
    "POST /v1/datasets/{dataset_id}/versions": (
        lambda s: Req("POST", f"/v1/datasets/{s.fresh_dataset()}/versions", content=SMALL_CSV),
        {"agency": 201, "other_agency": 404},
    ),
    "POST /v1/datasets/{dataset_id}/batches": (
        lambda s: Req("POST", f"/v1/datasets/{s.ids['scanned']}/batches", content=SMALL_CSV),
        {"agency": 201, "other_agency": 404},
    ),
    "GET /v1/datasets/{dataset_id}/versions/{version}/classification": (
        lambda s: Req("GET", _d(s, "/versions/1/classification")),
        OWNER_ONLY,
    ),
    "PATCH /v1/datasets/{dataset_id}/versions/{version}/classification": (
        lambda s: Req("PATCH", _d(s, "/versions/1/classification"), {"columns": {}}),
        OWNER_ONLY,
    ),
    "PUT /v1/datasets/{dataset_id}/policy": (
        lambda s: Req("PUT", _d(s, "/policy"), POLICY),
        OWNER_ONLY,
    ),
    "GET /v1/datasets/{dataset_id}/policy": (lambda s: Req("GET", _d(s, "/policy")), OWNER_ONLY),
    "POST /v1/datasets/{dataset_id}/publish": (
        lambda s: Req("POST", f"/v1/datasets/{s.ids['scanned']}/publish", {"version": 1}),
        {"agency": 202, "other_agency": 404},
    ),
    "GET /v1/jobs/{job_id}": (
        lambda s: Req("GET", f"/v1/jobs/{s.ids['scan_job']}"),
        {caller: 404 for caller in AUTHENTICATED} | {"agency": 200},
    ),
    "GET /v1/catalog": (lambda s: Req("GET", "/v1/catalog"), NOT_ADMIN),
    "GET /v1/catalog/{dataset_id}": (
        lambda s: Req("GET", f"/v1/catalog/{s.ids['dataset']}"),
        NOT_ADMIN,
    ),
    "POST /v1/access-requests": (
        lambda s: Req(
            "POST",
            "/v1/access-requests",
            {"dataset_id": s.ids["dataset"], "purpose": "p", "outputs": ["extract"]},
        ),
        {"consumer": 201, "expired": 201, "rival": 201},
    ),
    "GET /v1/access-requests": (lambda s: Req("GET", "/v1/access-requests"), NOT_ADMIN),
    "GET /v1/access-requests/{request_id}": (
        lambda s: Req("GET", f"/v1/access-requests/{s.ids['request']}"),
        {"agency": 200, "other_agency": 404, "consumer": 200, "expired": 404, "rival": 404}
        | {"auditor": 200},
    ),
    "POST /v1/access-requests/{request_id}/approve": (
        lambda s: Req("POST", f"/v1/access-requests/{s.fresh_request()}/approve", {}),
        {"agency": 201, "other_agency": 404},
    ),
    "POST /v1/access-requests/{request_id}/deny": (
        lambda s: Req("POST", f"/v1/access-requests/{s.fresh_request()}/deny", {"reason": "no"}),
        {"agency": 200, "other_agency": 404},
    ),
    "POST /v1/grants/{grant_id}/revoke": (
        lambda s: Req("POST", f"/v1/grants/{s.fresh_grant()}/revoke", {"reason": "done"}),
        {"agency": 200, "other_agency": 404},
    ),
    "POST /v1/grants": (
        lambda s: Req(
            "POST",
            "/v1/grants",
            {
                "dataset_id": s.ids["dataset"],
                "consumer_id": s.ids["spare_principal"],
                "epsilon": 0.1,
                "purpose": "admin grant",
            },
        ),
        {"admin": 201},
    ),
    "POST /v1/datasets/{dataset_id}/queries": (
        lambda s: Req("POST", _d(s, "/queries"), QUERY),
        {"consumer": 200},
    ),
    "POST /v1/datasets/{dataset_id}/queries/preview": (
        lambda s: Req("POST", _d(s, "/queries/preview"), QUERY),
        {"consumer": 200},
    ),
    "POST /v1/datasets/{dataset_id}/extracts": (
        lambda s: Req("POST", _d(s, "/extracts"), {"columns": ["district"]}),
        {"consumer": 202},
    ),
    "GET /v1/extracts/{extract_id}": (
        lambda s: Req("GET", f"/v1/extracts/{s.ids['extract']}"),
        {"consumer": 200, "expired": 404, "rival": 404},
    ),
    "GET /v1/extracts/{extract_id}/download": (
        lambda s: Req("GET", f"/v1/extracts/{s.ids['extract']}/download"),
        {"consumer": 200, "expired": 404, "rival": 404},
    ),
    "GET /v1/budgets": (lambda s: Req("GET", "/v1/budgets"), NOT_ADMIN),
    "GET /v1/audit/events": (
        lambda s: Req("GET", "/v1/audit/events"),
        {"admin": 200, "auditor": 200},
    ),
    "GET /v1/audit/verify": (
        lambda s: Req("GET", "/v1/audit/verify"),
        {"admin": 200, "auditor": 200},
    ),
    "GET /v1/audit/checkpoint": (lambda s: Req("GET", "/v1/audit/checkpoint"), ANY_KEY),
    "POST /v1/audit/checkpoints": (
        lambda s: Req("POST", "/v1/audit/checkpoints"),
        {"admin": 201, "auditor": 201},
    ),
    "GET /v1/audit/checkpoints": (
        lambda s: Req("GET", "/v1/audit/checkpoints"),
        {"admin": 200, "auditor": 200},
    ),
    "GET /v1/audit/public-key": (lambda s: Req("GET", "/v1/audit/public-key"), EVERYONE),
    "GET /v1/audit/proofs/inclusion": (
        lambda s: Req("GET", f"/v1/audit/proofs/inclusion?seq={s.ids['consumer_event']}"),
        {caller: 404 for caller in AUTHENTICATED} | {"consumer": 200, "admin": 200, "auditor": 200},
    ),
    "GET /v1/audit/proofs/consistency": (
        lambda s: Req("GET", "/v1/audit/proofs/consistency?first=1"),
        ANY_KEY,
    ),
    "GET /v1/audit/report": (
        lambda s: Req("GET", f"/v1/audit/report?dataset_id={s.ids['dataset']}"),
        {"admin": 200, "auditor": 200, "agency": 200, "other_agency": 404},
    ),
}


def _expected(allowed: dict[str, int], caller: str) -> int:
    if caller in allowed:
        return allowed[caller]
    return 401 if caller in ("nobody", "revoked") else 403


def _send(scene: Scene, caller: str, req: Req) -> Any:
    key = scene.keys[caller]
    headers = auth(key) if key else {}
    if req.content is not None:
        headers["Content-Type"] = "text/csv"
        return scene.client.request(req.method, req.path, content=req.content, headers=headers)
    return scene.client.request(req.method, req.path, json=req.json, headers=headers)


def test_every_cell_of_the_matrix(client: TestClient, world: World, db: Database) -> None:
    scene = build_scene(client, world, db)
    wrong: list[str] = []
    for endpoint, (build, allowed) in MATRIX.items():
        for caller in CALLERS:
            response = _send(scene, caller, build(scene))
            expected = _expected(allowed, caller)
            if response.status_code != expected:
                wrong.append(f"{endpoint} as {caller}: {response.status_code} != {expected}")
            elif expected >= 400 and set(response.json()) < {"error", "detail"}:
                wrong.append(f"{endpoint} as {caller}: error body {response.text[:80]}")
            if caller != "agency" and response.status_code < 300:
                leaked = [v for v in scene.raw_values if v in response.text]
                if leaked:
                    wrong.append(f"{endpoint} as {caller}: raw value {leaked[0][:4]}… in the body")
    assert not wrong, "\n".join(wrong)


def test_matrix_covers_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    declared = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    assert declared == set(MATRIX), (declared - set(MATRIX), set(MATRIX) - declared)


@pytest.mark.parametrize("caller", ["other_agency", "consumer", "rival", "auditor", "admin"])
def test_quarantine_is_unreachable_by_guessing(
    client: TestClient, world: World, db: Database, caller: str
) -> None:
    scene = build_scene(client, world, db)
    key = scene.keys[caller]
    assert key is not None
    guesses = [
        f"/v1/jobs/{scene.ids['scan_job']}",
        f"/v1/datasets/{scene.ids['scanned']}",
        f"/v1/datasets/{scene.ids['scanned']}/versions/1/classification",
        f"/v1/datasets/{scene.ids['dataset']}/versions/1/classification",
        f"/v1/catalog/{scene.ids['scanned']}",
        f"/v1/extracts/{scene.ids['extract']}" if caller != "consumer" else "/v1/extracts/ext_0",
        "/v1/jobs/job_00000000000000000000000000",
        f"/v1/datasets/{scene.ids['dataset']}/versions/2/classification",
    ]
    for path in guesses:
        response = client.get(path, headers=auth(key))
        assert response.status_code in (403, 404), (caller, path, response.status_code)
        assert not [v for v in scene.raw_values if v in response.text]
