"""PostgreSQL: the seals of several processes meet on the chain lock.

A seal that finds the lock taken waits for the running seal to end, then finds its rows where
that seal chained them, and chains whatever is still staged, for every waiter at once (its
own rows, if the running seal did not take them). Two ``Database`` objects stand for two
server processes.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import distinct, func, select, text

from app.audit.log_verify import verify_log
from app.audit.sealer import seal_quietly, wait_sealed
from app.db.models import AuditEvent
from app.db.session import Database
from app.repositories import audit_seal_pg
from app.repositories.audit import NewEvent, Sealed, stage
from app.repositories.audit_seal import PG_CHAIN_LOCK

WAITING_ON_LOCK = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND objid = :key AND database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database())"
)
SLEEPING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE wait_event = 'PgSleep' AND datname = current_database()"
)
SLOW_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_slow() RETURNS trigger AS $$ "
    "BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$ LANGUAGE plpgsql"
)
SLOW_TRIGGER = (
    "CREATE TRIGGER audit_slow BEFORE INSERT ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_slow()"
)


@pytest.fixture
def other(db: Database) -> Iterator[Database]:
    if db.is_sqlite:
        pytest.skip("SQLite chains each event in its action's transaction: no seals to share")
    second = Database(db.url)  # a second process: its own engine, sealer and seal connection
    yield second
    second.dispose()


@pytest.fixture
def chain_lock(db: Database) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection standing for another process's seal: it holds the chain lock."""
    url = db.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (PG_CHAIN_LOCK,))
        yield holder


@contextmanager
def slow_seals(db: Database) -> Iterator[None]:
    """Every insert into the chain sleeps first: a seal holds the lock with its rows taken."""
    with db.transaction() as session:
        session.execute(text(SLOW_FUNCTION))
        session.execute(text(SLOW_TRIGGER))
    try:
        yield
    finally:
        with db.transaction() as session:
            session.execute(text("DROP TRIGGER audit_slow ON audit_events"))


def _staged(db: Database, n: int) -> int:
    with db.write_sessions() as session:
        pending_id = stage(session, NewEvent(action="t", resource=f"r/{n}", outcome=200))
        session.commit()
    return pending_id


def _waiting(pool: ThreadPoolExecutor, db: Database, pending_id: int) -> Future[Sealed]:
    return pool.submit(wait_sealed, db.engine, pending_id)


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _count(db: Database, query: object) -> int:
    with db.reading() as session:
        return int(session.scalar(query, {"key": PG_CHAIN_LOCK}) or 0)  # type: ignore[call-overload]


def _seals(db: Database) -> tuple[int, int]:
    """Events chained, and the seals that chained them (one timestamp each)."""
    with db.reading() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        seals = session.scalar(select(func.count(distinct(AuditEvent.time)))) or 0
    return events, seals


def test_processes_waiting_for_a_seal_share_the_next_one(
    db: Database, other: Database, chain_lock: psycopg.Connection[tuple[object, ...]]
) -> None:
    first, second = _staged(db, 1), _staged(other, 2)
    with ThreadPoolExecutor(2) as pool:
        receipts = [_waiting(pool, db, first), _waiting(pool, other, second)]
        _until(lambda: _count(db, WAITING_ON_LOCK) == 2)  # both wait for the running seal
        chain_lock.commit()  # which ends without taking their rows
        landed = [receipt.result(timeout=30) for receipt in receipts]
    assert sorted(event.seq for event in landed) == [1, 2]
    assert _seals(db) == (2, 1)  # one seal chained both
    assert verify_log(db).ok


def test_a_waiter_finds_its_row_in_the_seal_that_took_it(db: Database, other: Database) -> None:
    pending_id = _staged(db, 1)
    with slow_seals(db), ThreadPoolExecutor(2) as pool:
        sealing = pool.submit(seal_quietly, other.engine)  # takes the row, then sleeps
        _until(lambda: _count(db, SLEEPING) == 1)
        receipt = _waiting(pool, db, pending_id)
        _until(lambda: _count(db, WAITING_ON_LOCK) == 1)
        later = _staged(db, 2)  # staged after that seal took its rows
        sealing.result(timeout=30)
        landed = receipt.result(timeout=30)
    assert (landed.pending_id, landed.seq) == (pending_id, 1)
    assert _seals(db) == (2, 2)  # and it chained the later row in a seal of its own
    assert wait_sealed(db.engine, later).seq == 2
    assert verify_log(db).ok


def test_a_seals_vacuum_never_waits_for_a_lock_on_the_staging_table(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seal's occasional VACUUM of ``audit_pending`` runs while its process's requests wait
    for it: it skips a table another VACUUM holds (and never truncates, see the module)."""
    if db.is_sqlite:
        pytest.skip("the seal vacuums the staging table on PostgreSQL only")
    monkeypatch.setattr(audit_seal_pg, "VACUUM_EVERY", 1)  # after every seal
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with ThreadPoolExecutor(1) as pool, psycopg.connect(url) as holder:  # released first
        holder.execute("LOCK TABLE audit_pending IN SHARE UPDATE EXCLUSIVE MODE")  # as VACUUM
        landed = _waiting(pool, db, _staged(db, 1)).result(timeout=20)
        holder.rollback()
    assert landed.seq == 1
