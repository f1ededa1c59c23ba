"""Security headers on every response (errors and the docs too), and CORS: closed by default,
an explicit allow-list when configured."""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import _empty_tables
from tests.world import World, auth

COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PORTAL = "https://portal.example.org"


def _assert_hardened(response: httpx.Response) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (response.url, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "access-control-allow-origin" not in response.headers
    assert "strict-transport-security" not in response.headers
    if response.url.path.startswith("/v1"):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-security-policy"] == API_CSP


def test_every_kind_of_response_carries_the_headers(client: TestClient, world: World) -> None:
    evil = {"Origin": "https://evil.example"}
    responses = [
        client.get("/healthz"),
        client.get("/openapi.json"),
        client.get("/v1/me", headers={**auth(world.agency), **evil}),
        client.get("/v1/me", headers=evil),  # 401
        client.get("/v1/orgs", headers=auth(world.agency)),  # 405
        client.post("/v1/orgs", json={"name": "x"}, headers=auth(world.agency)),  # 403
        client.get("/v1/datasets/ds_none", headers=auth(world.agency)),  # 404
        client.post("/v1/orgs", json={"name": ""}, headers=auth(world.admin)),  # 422
        client.post(
            "/v1/orgs",
            content=b"{",
            headers={**auth(world.admin), "Content-Type": "application/json"},
        ),
        client.get("/nowhere"),
    ]
    assert {r.status_code for r in responses} == {200, 400, 401, 403, 404, 405, 422}
    for response in responses:
        _assert_hardened(response)


def test_docs_pages_get_a_policy_that_allows_exactly_what_they_load(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        _assert_hardened(page)
        csp = dict(
            [*part.split(" ", 1), ""][:2]
            for part in page.headers["content-security-policy"].split("; ")
        )
        assert csp["default-src"] == "'none'" and "'unsafe-inline'" not in csp["script-src"]
        html = page.text
        for src in re.findall(r'<script src="([^"]+)"', html):
            assert _origin(src) in csp["script-src"].split(), src
        for href in re.findall(r'<link[^>]*href="([^"]+)"', html):
            allowed = (csp["style-src"] + " " + csp["img-src"]).split()
            assert _origin(href) in allowed, href
        inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
        assert len(inline) == csp["script-src"].count("'sha256-") == (1 if path == "/docs" else 0)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_cors_is_closed_by_default(client: TestClient, world: World) -> None:
    preflight = client.options(
        "/v1/me",
        headers={"Origin": PORTAL, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 403 and preflight.json()["error"] == "Forbidden"
    _assert_hardened(preflight)
    simple = client.get("/v1/me", headers={**auth(world.agency), "Origin": PORTAL})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers


@pytest.fixture
def open_app(settings: Settings) -> Iterator[FastAPI]:
    configured = settings.model_copy(
        update={"cors_allow_origins": f"{PORTAL}, http://localhost:5173", "hsts_seconds": 31536000}
    )
    application = create_app(configured)
    yield application
    application.state.db.dispose()
    _empty_tables(settings.sqlalchemy_url)


def test_cors_allow_list_and_hsts_when_configured(open_app: FastAPI) -> None:
    with TestClient(open_app) as client:
        preflight = client.options(
            "/v1/me",
            headers={"Origin": PORTAL, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == PORTAL
        assert "Authorization" in preflight.headers["access-control-allow-headers"]
        assert "access-control-allow-credentials" not in preflight.headers
        error = client.get("/v1/me", headers={"Origin": PORTAL})  # an error is readable too
        assert error.status_code == 401
        assert error.headers["access-control-allow-origin"] == PORTAL
        assert "X-Request-ID" in error.headers["access-control-expose-headers"]
        assert error.headers["vary"] == "Origin"
        hsts = error.headers["strict-transport-security"]
        assert hsts == "max-age=31536000; includeSubDomains"
        other = client.get("/v1/me", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        refused = client.options(
            "/v1/me",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert refused.status_code == 403


@pytest.mark.parametrize("origin", ["*", "portal.example.org", "https://x.org/path", "null"])
def test_a_malformed_allowed_origin_stops_the_service(settings: Settings, origin: str) -> None:
    with pytest.raises(ValueError, match="PAZHOU_CORS_ALLOW_ORIGINS"):
        create_app(settings.model_copy(update={"cors_allow_origins": origin}))
