"""Fail closed, with real triggers in SQLite or PostgreSQL that refuse inserts.

* The table an event is first written to refuses it (``audit_pending`` on PostgreSQL, where
  events are staged; ``audit_events`` on SQLite, where the action's transaction chains its
  event at once): the action rolls back with it, a query gets 503 in the error shape, no
  answer leaves and no ε is spent.
* PostgreSQL: the chain refuses to grow (sealing fails after the action committed with its
  staged event): the answer is still withheld (503); the staged event is chained as soon as the
  chain accepts it again, so the ε the budget counts is exactly the ε the log records.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from app.db.models import AuditEvent, DatasetBudget, Grant, QueryRecord
from app.db.models.audit import AuditPending
from app.db.session import Database
from tests.dp_setup import publish_pums
from tests.world import World, auth

QUERY = {"aggregations": [{"fn": "count"}], "group_by": ["sex"], "epsilon": 0.5}
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_frozen() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log frozen'; END $$ LANGUAGE plpgsql"
)


@contextmanager
def refusing_inserts(db: Database, table: str) -> Iterator[None]:
    if db.is_sqlite:
        statements = [
            f"CREATE TRIGGER audit_frozen BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit log frozen'); END"
        ]
    else:
        statements = [
            PG_FUNCTION,
            f"CREATE TRIGGER audit_frozen BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_frozen()",
        ]
    with db.transaction() as session:
        for statement in statements:
            session.execute(text(statement))
    try:
        yield
    finally:
        with db.transaction() as session:
            drop = "DROP TRIGGER audit_frozen" + ("" if db.is_sqlite else f" ON {table}")
            session.execute(text(drop))


def _spent(db: Database) -> tuple[float, float]:
    with db.reading() as session:
        grant = session.scalars(select(Grant)).one()
        dataset = session.scalars(select(DatasetBudget)).one()
        return grant.epsilon_spent, dataset.epsilon_spent


def _counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        staged = session.scalar(select(func.count()).select_from(AuditPending))
    return int(events or 0), int(staged or 0)


def _refused(client: TestClient, world: World, path: str) -> None:
    refused = client.post(path, json=QUERY, headers=auth(world.consumer))
    plain = client.get("/v1/me", headers=auth(world.consumer))
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "AuditUnavailable" and "rows" not in refused.json()
    assert plain.status_code == 503 and plain.json()["error"] == "AuditUnavailable"
    assert "principal_id" not in plain.text


def test_event_not_stored_no_answer_no_budget(
    client: TestClient, world: World, db: Database
) -> None:
    published = publish_pums(client, world)
    path = f"/v1/datasets/{published.dataset_id}/queries"
    before = _counts(db)
    first_written_to = "audit_events" if db.is_sqlite else "audit_pending"
    with refusing_inserts(db, first_written_to):
        _refused(client, world, path)
    assert _spent(db) == (0.0, 0.0)
    assert _counts(db) == before
    with db.reading() as session:
        assert list(session.scalars(select(QueryRecord.state))) == ["refunded"]
    answered = client.post(path, json=QUERY, headers=auth(world.consumer))
    assert answered.status_code == 200 and answered.json()["receipt"]["event_seq"] > 0
    assert _spent(db) == (0.5, 0.5)
    verdict = client.get("/v1/audit/verify", headers=auth(world.auditor)).json()
    assert verdict["ok"], verdict


def test_chain_refusing_withholds_the_answer_and_keeps_the_event(
    client: TestClient, world: World, db: Database
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite chains the event in the action's transaction: the case above")
    published = publish_pums(client, world)
    path = f"/v1/datasets/{published.dataset_id}/queries"
    events_before, _ = _counts(db)
    with refusing_inserts(db, "audit_events"):
        _refused(client, world, path)
        assert _counts(db)[0] == events_before  # the chain did not move
    assert _counts(db)[1] > 0  # the query's event was committed with it, staged
    verdict = client.get("/v1/audit/verify", headers=auth(world.auditor)).json()
    assert verdict["ok"], verdict  # reading the log chains what was staged first
    assert _counts(db)[1] == 0
    runs = client.get(
        "/v1/audit/events", params={"action": "queries.run"}, headers=auth(world.auditor)
    ).json()["items"]
    recorded = sum(e["details"]["epsilon_spent"] for e in runs if e["outcome"] == 200)
    assert [e["outcome"] for e in runs] == [200, 503]  # the action, then its withheld answer
    assert _spent(db) == (recorded, recorded) == (0.5, 0.5)


def _logged(db: Database, request_id: str) -> list[tuple[int, int | None]]:
    with db.reading() as session:
        rows = session.execute(
            select(AuditEvent.outcome, AuditEvent.pending_id).where(
                AuditEvent.request_id == request_id
            )
        )
        return [(row.outcome, row.pending_id) for row in rows]


def test_a_read_is_chained_unstaged(client: TestClient, world: World, db: Database) -> None:
    """A read stores nothing but its event, so on PostgreSQL the event skips staging: reads
    go on being answered and logged while staging refuses."""
    if db.is_sqlite:
        pytest.skip("SQLite stages nothing: every event is chained in its own transaction")
    with refusing_inserts(db, "audit_pending"):
        read = client.get("/v1/catalog", headers=auth(world.consumer))
    assert read.status_code == 200, read.text
    assert _logged(db, read.headers["x-request-id"]) == [(200, None)]
    assert _counts(db)[1] == 0


def test_an_unstaged_read_fails_closed_with_the_chain(
    client: TestClient, world: World, db: Database
) -> None:
    """The chain refuses to grow: a read's unstaged event is lost with its seal, so the read
    is withheld (503); the refusal itself is staged and chained once the chain grows again."""
    if db.is_sqlite:
        pytest.skip("SQLite stages nothing: the chain refusing is the first test's case")
    events_before, _ = _counts(db)
    with refusing_inserts(db, "audit_events"):
        refused = client.get("/v1/catalog", headers=auth(world.consumer))
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"] == "AuditUnavailable" and "items" not in refused.json()
        assert _counts(db) == (events_before, 1)  # the refusal, staged; the read, nowhere
    verdict = client.get("/v1/audit/verify", headers=auth(world.auditor)).json()
    assert verdict["ok"], verdict
    outcomes = [outcome for outcome, _ in _logged(db, refused.headers["x-request-id"])]
    assert outcomes == [503]
