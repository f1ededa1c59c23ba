"""Verified keys are remembered for ``auth_cache_seconds`` per server process: a revocation
takes effect at once in the process that made it, and within that time in every other one."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from app.auth.key_cache import KeyCache
from app.config import Settings
from app.main import create_app
from tests.world import World, auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def other_process(settings: Settings) -> Iterator[TestClient]:
    """A second app on the same database and data directory: another uvicorn worker."""
    second = create_app(settings)
    with TestClient(second) as client:
        yield client
    second.state.db.dispose()


def _key_id(key: str) -> str:
    return key.split("_")[1]


def _use_clock(app: FastAPI, ttl: float) -> Clock:
    clock = Clock()
    app.state.key_cache = KeyCache(ttl, clock=clock)
    return clock


def test_revocation_in_this_process_is_immediate(client: TestClient, world: World) -> None:
    _use_clock(client.app, ttl=60)  # type: ignore[arg-type]
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 200  # cached now
    revoked = client.delete(f"/v1/keys/{_key_id(world.consumer)}", headers=auth(world.admin))
    assert revoked.status_code == 200
    refused = client.get("/v1/me", headers=auth(world.consumer))
    assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"


def test_another_process_stops_accepting_within_the_ttl(
    client: TestClient, other_process: TestClient, world: World
) -> None:
    clock = _use_clock(client.app, ttl=1.0)  # type: ignore[arg-type]
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 200
    revoked = other_process.delete(f"/v1/keys/{_key_id(world.consumer)}", headers=auth(world.admin))
    assert revoked.status_code == 200
    clock.now += 0.5  # still trusted here for the rest of the second
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 200
    clock.now += 0.6
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 401
    assert other_process.get("/v1/me", headers=auth(world.consumer)).status_code == 401


def test_zero_ttl_reads_the_key_every_time(
    client: TestClient, other_process: TestClient, world: World
) -> None:
    _use_clock(client.app, ttl=0)  # type: ignore[arg-type]
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 200
    other_process.delete(f"/v1/keys/{_key_id(world.consumer)}", headers=auth(world.admin))
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 401


def test_a_cached_key_id_with_a_wrong_secret_is_refused(client: TestClient, world: World) -> None:
    _use_clock(client.app, ttl=60)  # type: ignore[arg-type]
    assert client.get("/v1/me", headers=auth(world.agency)).status_code == 200
    forged = f"pz_{_key_id(world.agency)}_{'B' * 43}"
    assert client.get("/v1/me", headers=auth(forged)).status_code == 401
    assert client.get("/v1/me", headers=auth(world.agency)).status_code == 200


def test_the_setting_bounds_the_ttl() -> None:
    with pytest.raises(ValueError, match="auth_cache_seconds"):
        Settings(environment="test", auth_cache_seconds=120)
