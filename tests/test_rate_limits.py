"""Per-key rate limits: 429 with Retry-After once a key's burst is spent, audited like any
denial, charged only after the key is verified; the token bucket itself on a fake clock."""

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.config import Settings
from app.db.models import AuditEvent
from app.db.session import Database
from app.http import ratelimit
from app.http.ratelimit import RateLimiter
from tests.world import World, auth

BURST = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Three requests per key, then one a minute: the fourth in a row is always refused."""
    return settings.model_copy(update={"rate_limit_per_minute": 1, "rate_limit_burst": BURST})


def test_a_key_past_its_burst_gets_429_with_retry_after(client: TestClient, world: World) -> None:
    for _ in range(BURST):
        assert client.get("/v1/me", headers=auth(world.agency)).status_code == 200
    refused = client.get("/v1/me", headers=auth(world.agency))
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "TooManyRequests" and "retry in" in body["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert body["retry_after"] == int(refused.headers["retry-after"])
    assert refused.headers["x-request-id"] and refused.headers["cache-control"] == "no-store"
    # the limit is per key: another key of another principal is untouched
    assert client.get("/v1/me", headers=auth(world.consumer)).status_code == 200


def test_429_is_an_audited_denied_request_naming_the_actor(
    client: TestClient, world: World, db: Database
) -> None:
    agency_id = client.get("/v1/me", headers=auth(world.agency)).json()["principal_id"]
    for _ in range(BURST - 1):
        client.get("/v1/datasets", headers=auth(world.agency))
    refused = client.get("/v1/datasets", headers=auth(world.agency))
    assert refused.status_code == 429
    with db.reading() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == refused.headers["x-request-id"])
        ).one()
    assert event.outcome == 429 and event.action == "datasets.list"
    assert event.actor == agency_id and event.role == "agency"
    assert event.details["error"] == "TooManyRequests"


def test_forged_secrets_do_not_spend_the_owners_allowance(client: TestClient, world: World) -> None:
    key_id = world.agency.split("_")[1]
    forged = f"pz_{key_id}_{'B' * 43}"
    for _ in range(BURST * 3):
        assert client.get("/v1/me", headers=auth(forged)).status_code == 401
    for _ in range(BURST):
        assert client.get("/v1/me", headers=auth(world.agency)).status_code == 200


def test_unauthenticated_paths_are_not_limited(client: TestClient, world: World) -> None:
    for _ in range(BURST * 2):
        assert client.get("/healthz").status_code == 200


def test_bucket_refills_at_the_configured_rate_and_says_when() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert limiter.take("k") == 0.0 and limiter.take("k") == 0.0
    assert limiter.take("k") == pytest.approx(1.0)  # one token a second
    now[0] += 0.25
    assert limiter.take("k") == pytest.approx(0.75)  # a refusal spends nothing
    now[0] += 0.75
    assert limiter.take("k") == 0.0
    assert limiter.take("other") == 0.0  # buckets are per key
    now[0] += 3600
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]  # capped


def test_zero_per_minute_turns_the_limit_off() -> None:
    limiter = RateLimiter(per_minute=0, burst=1)
    assert all(limiter.take("k") == 0.0 for _ in range(1000))


def test_full_buckets_are_forgotten_so_memory_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "MAX_IDLE_BUCKETS", 3)
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    for key in ("a", "b", "c"):
        limiter.take(key)
    now[0] += 10  # all three have refilled
    limiter.take("d")
    assert set(limiter._buckets) == {"d"}  # the three full buckets were dropped
    assert limiter.take("d") == pytest.approx(1.0)  # the live one was kept
