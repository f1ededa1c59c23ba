"""The PostgreSQL paths of every append, on the driver connection (see ``audit_seal``).

Staging runs on the caller's connection, inside its transaction, without SQLAlchemy's
per-statement work. The seal runs in pipeline mode: statements run one after another on the
server, each with its own snapshot (READ COMMITTED, the server default), so the lock is held
before the staged rows and the head are read; the client only waits twice: once for the rows
and the head, once for the commit.
"""

import functools
import logging
import os
import weakref
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from psycopg import Connection as DriverConnection
from psycopg import Error as DriverError
from psycopg import OperationalError
from psycopg.types.json import Json
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ClauseElement,
    Connection,
    Dialect,
    Engine,
    any_,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.exc import DBAPIError

from app.repositories.audit_seal import (
    CHAIN,
    PG_CHAIN_LOCK,
    STAGED,
    STAGED_FIELDS,
    Batch,
    Sealed,
    chain_rows,
    unsealed,
)

log = logging.getLogger("pazhou.audit")
VACUUM_EVERY = 5_000  # sealed rows between two VACUUMs of audit_pending, per process


@dataclass(frozen=True)
class Statements:
    """The seal's statements as psycopg runs them (``%(name)s`` parameters)."""

    stage: str
    lock: str
    take: str
    head: str
    insert: str
    found: str


@functools.cache
def statements(dialect: Dialect) -> Statements:
    def sql(statement: ClauseElement, literal: bool = False) -> str:
        return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": literal}))

    oldest = select(STAGED.c.id).order_by(STAGED.c.id).limit(bindparam("limit"))
    ids = bindparam("ids", type_=ARRAY(BigInteger))
    staged: dict[str, Any] = {name: bindparam(name) for name in STAGED_FIELDS}
    found = select(CHAIN.c.pending_id, CHAIN.c.seq, CHAIN.c.hash)
    return Statements(
        stage=sql(insert(STAGED).values(staged).returning(STAGED.c.id)),
        lock=sql(select(func.pg_advisory_xact_lock(bindparam("key")))),
        take=sql(delete(STAGED).where(STAGED.c.id.in_(oldest)).returning(*STAGED.c)),
        head=sql(select(CHAIN.c.seq, CHAIN.c.hash).order_by(CHAIN.c.seq.desc()).limit(1), True),
        insert=sql(insert(CHAIN)),
        found=sql(found.where(CHAIN.c.pending_id == any_(ids))),
    )


def stage_pg(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a staged row in ``conn``'s current transaction; its id."""
    if not conn.in_transaction():
        conn.begin()  # what SQLAlchemy does on a first statement: the caller commits it
    driver: DriverConnection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
    params = {**values, "details": Json(values["details"])}
    sql = statements(conn.dialect).stage
    try:
        row = driver.execute(sql, params).fetchone()
    except DriverError as exc:  # as SQLAlchemy would raise it: callers handle those
        raise DBAPIError.instance(sql, params, exc, DriverError) from exc
    assert row is not None  # INSERT … RETURNING returns its row
    return int(row[0])


def seal_batch_pg(engine: Engine, limit: int, wanted: Collection[int]) -> Batch:
    """One seal on this process's seal connection (kept open: no pool check-out per seal).

    A connection that broke (server restarted) is replaced and the seal tried once more: a
    seal either committed or left everything staged, so trying again is safe.
    """
    for attempt in (1, 2):
        held = _held(engine) or _open(engine)
        try:
            batch = _seal(held.conn, statements(engine.dialect), limit, wanted)
        except OperationalError:
            _drop(engine)
            if attempt == 2:
                raise
            continue
        except BaseException:
            _drop(engine)
            raise
        _vacuum_now_and_then(held, len(batch.sealed))
        return batch
    raise AssertionError("unreachable")


@dataclass
class _Held:
    pid: int
    conn: DriverConnection[Any]
    sealed_since_vacuum: int = 0


_HELD: "weakref.WeakKeyDictionary[Engine, _Held]" = weakref.WeakKeyDictionary()


def _held(engine: Engine) -> _Held | None:
    held = _HELD.get(engine)
    if held is not None and held.pid != os.getpid():
        del _HELD[engine]  # inherited through fork(): the parent's, never to be used or closed
        return None
    return held


def _open(engine: Engine) -> _Held:
    pooled = engine.raw_connection()
    conn: DriverConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
    pooled.detach()  # ours until the engine is disposed or the connection fails
    if not event.contains(engine, "engine_disposed", _drop):
        event.listen(engine, "engine_disposed", _drop)
    held = _HELD[engine] = _Held(os.getpid(), conn)
    return held


def _drop(engine: Engine) -> None:
    held = _held(engine)
    _HELD.pop(engine, None)
    if held is not None:
        held.conn.close()


def _vacuum_now_and_then(held: _Held, sealed: int) -> None:
    """Every staged row becomes a dead tuple once sealed; autovacuum wakes once a minute at
    most, and the seal's scan of ``audit_pending`` must not grow with the dead rows meanwhile."""
    held.sealed_since_vacuum += sealed
    if held.sealed_since_vacuum < VACUUM_EVERY:
        return
    held.sealed_since_vacuum = 0
    held.conn.autocommit = True  # VACUUM runs outside a transaction
    try:
        held.conn.execute("VACUUM audit_pending")
    except DriverError:
        log.warning("could not vacuum audit_pending; autovacuum will", exc_info=True)
    finally:
        held.conn.autocommit = False


def _seal(
    conn: DriverConnection[Any], sql: Statements, limit: int, wanted: Collection[int]
) -> Batch:
    with conn.pipeline():
        conn.execute(sql.lock, {"key": PG_CHAIN_LOCK})
        taken, head = conn.execute(sql.take, {"limit": limit}), conn.execute(sql.head)
        fetched = taken.fetchall()  # the pipeline's first wait: lock, rows and head
        names = [column.name for column in taken.description or ()]
        staged = [
            dict(zip(names, row, strict=True))
            for row in sorted(fetched, key=lambda row: int(row[0]))
        ]
        top = head.fetchone()
        rows, sealed = chain_rows(staged, None if top is None else (top[0], top[1]))
        if rows:
            params = [{**row, "details": Json(row["details"])} for row in rows]
            conn.cursor().executemany(sql.insert, params)
        full, missing = len(sealed) == limit, unsealed(wanted, sealed)
        found: list[Sealed] = []
        if missing and not full:
            cursor = conn.execute(sql.found, {"ids": sorted(missing)})
            found = [Sealed(int(row[0]), int(row[1]), row[2]) for row in cursor]
        conn.commit()
    return Batch(sealed, found, full)
