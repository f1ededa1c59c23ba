"""Fifty simultaneous queries against a grant that affords ten, on two server processes.

Exactly ten are answered, forty refused with 409; the spent budget never passes the cap, and
the ledger and the audit log tell the same story.
"""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from app.config import Settings
from app.db.models import QueryRecord
from app.db.session import Database
from tests.conftest import PG_URL
from tests.dp_setup import publish_pums
from tests.live_server import live_server
from tests.world import World, auth

THREADS = 50


def _query(base: str, dataset_id: str, key: str, index: int) -> int:
    body = {
        "aggregations": [{"fn": "count"}],
        "where": [{"column": "age", "op": ">=", "value": index}],
        "epsilon": 0.1,
    }
    with httpx.Client(base_url=base, timeout=120) as client:
        response = client.post(f"/v1/datasets/{dataset_id}/queries", json=body, headers=auth(key))
    return response.status_code


@pytest.mark.skipif(not PG_URL, reason="PAZHOU_TEST_DATABASE_URL is unset: needs PostgreSQL")
def test_fifty_threads_two_processes_never_overspend(
    client: TestClient, world: World, settings: Settings, db: Database
) -> None:
    _run(client, world, settings, db)


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite variant runs in the SQLite pass")
def test_embedded_sqlite_never_overspends(
    client: TestClient, world: World, settings: Settings, db: Database
) -> None:
    _run(client, world, settings, db)


def _run(client: TestClient, world: World, settings: Settings, db: Database) -> None:
    pums = publish_pums(client, world, grant_epsilon=1.0)
    with live_server(settings, workers=2) as base, ThreadPoolExecutor(THREADS) as pool:
        statuses = list(
            pool.map(lambda i: _query(base, pums.dataset_id, world.consumer, i), range(THREADS))
        )
        budgets = httpx.get(f"{base}/v1/budgets", headers=auth(world.auditor)).json()
        events = httpx.get(
            f"{base}/v1/audit/events",
            params={"action": "queries.run", "limit": 1000},
            headers=auth(world.auditor),
        ).json()["items"]
    assert statuses.count(200) == 10 and statuses.count(409) == 40, statuses
    grant = next(g for g in budgets["grants"] if g["grant_id"] == pums.grant_id)
    assert grant["epsilon_spent"] == pytest.approx(1.0)
    assert grant["epsilon_spent"] <= 1.0 + 1e-9
    with db.reading() as session:
        states = dict(
            session.execute(
                select(QueryRecord.state, func.count()).group_by(QueryRecord.state)
            ).all()
        )
    assert states == {"committed": 10}
    outcomes = [event["outcome"] for event in events]
    assert outcomes.count(200) == 10 and outcomes.count(409) == 40
    spent_in_log = sum(e["details"].get("epsilon_spent", 0) for e in events if e["outcome"] == 200)
    assert spent_in_log == pytest.approx(1.0)
