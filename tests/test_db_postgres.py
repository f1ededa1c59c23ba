"""PostgreSQL engine: opt-in prepared statements, autocommit reads, pings after a rest.

Each of these saves round trips on the request path; each must keep what it replaces: the
same rows, no stale plan on the audit log, and a connection that died while resting is
replaced before a request gets it.
"""

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import exc, select, text

from app.db import postgres
from app.db.models import AuditEvent
from app.db.session import Database
from app.repositories import release
from tests.world import World

PREPARED = text("SELECT statement FROM pg_prepared_statements")


@pytest.fixture
def pg(db: Database) -> Iterator[Database]:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's engine: SQLite has its own")
    own = Database(db.url, pool_size=1, max_overflow=0)  # one connection: the tests reuse it
    yield own
    own.dispose()


def _backend_pid(database: Database) -> int:
    with database.reading() as session:
        pid: int = session.scalar(text("SELECT pg_backend_pid()"))
    return pid


def _terminate(database: Database, pid: int) -> None:
    url = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_only_statements_that_opt_in_are_prepared(pg: Database, world: World) -> None:
    with pg.reading() as session:
        for _ in range(3):
            release.listings(session, None, 10)
            session.scalars(select(AuditEvent.seq).limit(1)).all()
        prepared = session.scalars(PREPARED).all()
    assert len(prepared) == 1
    assert "FROM datasets" in prepared[0]  # the catalog's listing, not the audit log's read


def test_prepared_statements_outlive_read_sessions_and_write_transactions(
    pg: Database, world: World
) -> None:
    with pg.reading() as session:
        release.listings(session, None, 10)
    with pg.transaction() as session:
        release.listings(session, None, 10)
    with pg.reading() as session:
        assert len(session.scalars(PREPARED).all()) == 1


def test_read_sessions_run_outside_a_transaction(pg: Database) -> None:
    with pg.reading() as session:
        session.execute(text("SELECT 1"))
        assert session.scalar(text("SELECT now() = statement_timestamp()")) is True
    with pg.transaction() as session:
        session.execute(text("SELECT pg_sleep(0.01)"))
        assert session.scalar(text("SELECT now() = statement_timestamp()")) is False


def test_a_connection_that_died_while_resting_is_replaced_before_use(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(pg)
    _terminate(pg, first)
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_SECONDS", 0.0)  # any rest is long enough
    assert _backend_pid(pg) != first  # the ping failed: a new connection, no error


def test_a_connection_that_died_in_steady_use_fails_once_then_the_pool_reconnects(
    pg: Database,
) -> None:
    first = _backend_pid(pg)
    _terminate(pg, first)
    with pytest.raises(exc.OperationalError):  # not pinged: back after a short rest
        _backend_pid(pg)
    assert _backend_pid(pg) != first


def test_a_ping_leaves_no_transaction_behind(pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with pg.transaction() as session:  # the connection rests in the pool, out of autocommit
        session.execute(text("SELECT 1"))
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_SECONDS", 0.0)
    with pg.reading() as session:  # pinged at check-out, then switched to autocommit
        assert session.scalar(text("SELECT now() = statement_timestamp()")) is True
    with pg.transaction() as session:  # and back
        session.execute(text("SELECT pg_sleep(0.01)"))
        assert session.scalar(text("SELECT now() = statement_timestamp()")) is False
