"""Group commit: events staged with their actions are sealed into one gapless chain.

Two ``Database`` objects on the same database stand for two server processes (each has its
own sealer); threads stand for concurrent requests. Runs on SQLite and on PostgreSQL.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from app import clock
from app.audit.log_verify import verify_log
from app.audit.sealer import seal_alone, seal_quietly, wait_sealed
from app.config import Settings
from app.db.models import AuditEvent
from app.db.models.audit import AuditPending
from app.db.session import Database
from app.main import create_app
from app.repositories.audit import NewEvent, Sealed, stage
from tests.world import World, auth

WRITERS, PER_WRITER = 8, 12


def _event(n: int, **details: object) -> NewEvent:
    return NewEvent(
        action="bench.append",
        resource=f"thing/{n}",
        outcome=200,
        request_id=f"r-{n}",
        details={"n": n, **details},
    )


def _commit_staged(db: Database, new: NewEvent) -> int:
    with db.write_sessions() as session:
        pending_id = stage(session, new)
        session.commit()
    return pending_id


def _append(db: Database, n: int) -> Sealed:
    return wait_sealed(db.engine, _commit_staged(db, _event(n)))


def _staged(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(AuditPending)) or 0)


def test_concurrent_appends_from_two_processes_make_one_chain(db: Database) -> None:
    other = Database(db.url)  # a second process: its own engine, its own sealer
    try:
        jobs = [(db if n % 2 else other, n) for n in range(WRITERS * PER_WRITER)]
        with ThreadPoolExecutor(WRITERS) as pool:
            receipts = list(pool.map(lambda job: _append(*job), jobs))
    finally:
        other.dispose()
    with db.reading() as session:
        chained = {row.seq: row for row in session.scalars(select(AuditEvent))}
    assert sorted(chained) == list(range(1, len(jobs) + 1))
    for (_, n), receipt in zip(jobs, receipts, strict=True):  # each receipt names its event
        event = chained[receipt.seq]
        assert (event.hash, event.request_id, event.pending_id) == (
            receipt.hash,
            f"r-{n}",
            receipt.pending_id,
        )
    assert _staged(db) == 0
    verdict = verify_log(db)
    assert verdict.ok and verdict.checked == len(jobs)


def test_staged_and_unstaged_events_from_two_processes_make_one_chain(db: Database) -> None:
    """Reads hand their events to their process's next seal unstaged (``seal_alone``); they
    interleave with staged events of both processes in one gapless chain."""
    other = Database(db.url)

    def append(n: int) -> Sealed:
        process = db if n % 2 else other
        return seal_alone(process.engine, _event(n)) if n % 4 > 1 else _append(process, n)

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            receipts = list(pool.map(append, range(WRITERS * PER_WRITER)))
    finally:
        other.dispose()
    with db.reading() as session:
        chained = {row.seq: row for row in session.scalars(select(AuditEvent))}
    assert sorted(chained) == list(range(1, len(receipts) + 1))
    for n, receipt in enumerate(receipts):
        event = chained[receipt.seq]
        assert (event.hash, event.request_id) == (receipt.hash, f"r-{n}")
        assert (event.pending_id is None) == (n % 4 > 1) == (receipt.pending_id is None)
    assert _staged(db) == 0
    verdict = verify_log(db)
    assert verdict.ok and verdict.checked == len(receipts)


def test_a_row_sealed_by_another_process_is_found_by_its_waiter(db: Database) -> None:
    other = Database(db.url)
    try:
        pending_id = _commit_staged(db, _event(1))
        seal_quietly(other.engine)  # the other process's seal takes it
        assert _staged(db) == 0
        receipt = wait_sealed(db.engine, pending_id)
    finally:
        other.dispose()
    with db.reading() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (receipt.seq, receipt.hash) == (event.seq, event.hash) == (1, event.hash)


def test_rows_left_staged_by_a_killed_process_are_sealed_at_start(
    db: Database, settings: Settings
) -> None:
    _commit_staged(db, _event(1))  # committed with its action, then the process died
    _commit_staged(db, _event(2))
    assert _staged(db) == 2
    restarted = create_app(settings)
    restarted.state.db.dispose()
    assert _staged(db) == 0
    assert verify_log(db).checked == 2


def test_a_bad_event_fails_alone_and_never_blocks_the_chain(db: Database) -> None:
    with pytest.raises(ValueError), db.write_sessions() as session:
        stage(session, _event(1, epsilon=float("nan")))
    with pytest.raises(ValueError):
        seal_alone(db.engine, _event(1, epsilon=float("inf")))
    assert _append(db, 2).seq == 1
    assert _staged(db) == 0


def test_event_time_comes_from_the_service_clock(
    client: TestClient, world: World, db: Database
) -> None:
    clock.CLOCK.advance(timedelta(days=400))
    try:
        client.get("/v1/me", headers=auth(world.consumer))
    finally:
        clock.CLOCK.reset()
    with db.reading() as session:
        newest = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert newest is not None
    assert newest.time > (clock.now() + timedelta(days=399)).strftime("%Y-%m-%dT%H:%M:%S")


def test_postgres_staging_commits_without_waiting_for_the_disk_only_there(db: Database) -> None:
    """The staging transaction's commit is made durable by the seal's (``audit_seal_pg``)."""
    if db.is_sqlite:
        pytest.skip("SQLite chains the event in the action's transaction")
    show = text("SHOW synchronous_commit")
    with db.write_sessions() as session:
        default = session.execute(show).scalar_one()
        stage(session, _event(1))
        assert session.execute(show).scalar_one() == "off"
        session.commit()
        assert session.execute(show).scalar_one() == default != "off"
