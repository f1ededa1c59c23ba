"""The PostgreSQL paths of every append, on the driver connection (see ``audit_seal``).

Every statement is compiled once, at import, for psycopg with positional parameters: no
SQLAlchemy work per call. Staging runs on the caller's connection, inside its transaction, in
one statement; ``details`` goes in as the canonical JSON text the caller already made (the
``json`` type keeps text as given).

**One disk flush per append, not two.** The staging transaction (the whole action's transaction)
commits without waiting for the disk (``synchronous_commit`` off, for that transaction only):
its commit record is in the server's WAL, visible, not yet flushed. The seal that chains the row
read it after that record was written, so the seal's own commit record comes later in the WAL;
the seal commits synchronously, which flushes the WAL up to its record, the action's commit
included. A waiter learns where its event landed only after that, so a request still answers only
once its action and its event are on disk. Until then, a crash of the database server (not of
this process) loses the action together with its event, never one without the other; if no
seal comes (this process was killed), the WAL writer flushes the row within
``3 * wal_writer_delay`` and a later seal chains it.

**A seal** is two round trips, whatever the batch size: at this rate a round trip costs both
sides more CPU than the statements do, and seals were most of the statements a request caused.
The first message holds ``BEGIN``, the chain lock (a transaction-level advisory lock, waited
for while another process's seal holds it) and the statement that takes the staged rows with
the chain's head, which sees what was committed before it started (READ COMMITTED), the other
seal's rows included. The events are hashed here; the second message inserts the batch (one
``INSERT … SELECT FROM json_to_recordset(…)``), looks for the waiters' rows that were not in
it (an earlier seal, maybe another process's, chained them) and commits. The connection is in
autocommit, so that psycopg adds no ``BEGIN`` of its own, and its parameters are bound on the
client (psycopg's ``ClientCursor``: the server's extended protocol takes one statement per
message); the rows go as one JSON literal. The take, the insert and the search are prepared on
the seal connection once (``PREPARE``) and run with ``EXECUTE``: planning the take cost the
server more than running it. A prepared plan is made again whenever ``ANALYZE`` (autovacuum)
updates the statistics of a table it reads, so it follows the chain as it grows.
"""

import logging
import os
import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import ClientCursor, OperationalError
from psycopg import Connection as DriverConnection
from psycopg import Error as DriverError
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ClauseElement,
    Connection,
    Engine,
    Select,
    any_,
    bindparam,
    column,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    true,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from app.audit.chain import canonical_json
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
CHAIN_FIELDS = tuple(each.name for each in CHAIN.columns)


@dataclass(frozen=True)
class Statements:
    """The statements of staging and sealing, as psycopg runs them (``%s`` parameters).

    ``stage`` is prepared once per connection: an insert has no plan to go stale. The seal's
    statements go together, bound on the client, and run prepared (``SEAL_PREPARED``).
    """

    stage: str
    lock: str
    take: str
    insert: str
    found: str


_DIALECT = create_engine("postgresql+psycopg://", paramstyle="format").dialect  # no connection


def _positional(statement: ClauseElement, *names: str) -> str:
    """The statement for psycopg with ``%s`` parameters, which take ``names`` in this order."""
    compiled = statement.compile(dialect=_DIALECT)
    assert isinstance(compiled, SQLCompiler) and tuple(compiled.positiontup or ()) == names
    return str(compiled)


def _sealed_rows() -> Select[Any]:
    """The new events as rows of ``audit_events``, from one JSON array of objects (a parameter).

    ``json`` keeps the text of ``details`` as it is in the array; a value too long for its
    column is an error, as in an ``INSERT … VALUES``.
    """
    fields = (column(each.name, each.type) for each in CHAIN.columns)
    rows = func.json_to_recordset(bindparam("rows")).table_valued(*fields)
    return select(*rows.render_derived(name="sealed", with_types=True).c)


def _statements() -> Statements:
    oldest = select(STAGED.c.id).order_by(STAGED.c.id).limit(bindparam("limit"))
    no_flush = func.set_config(
        literal_column("'synchronous_commit'"), literal_column("'off'"), true()
    )
    ids = bindparam("ids", type_=ARRAY(BigInteger))
    taken = delete(STAGED).where(STAGED.c.id.in_(oldest)).returning(*STAGED.c).cte("taken")
    head = select(CHAIN.c.seq, CHAIN.c.hash).order_by(CHAIN.c.seq.desc()).limit(literal_column("1"))
    head_row = head.subquery("head")
    take = select(taken, head_row.c.seq, head_row.c.hash).order_by(taken.c.id)
    found = select(CHAIN.c.pending_id, CHAIN.c.seq, CHAIN.c.hash)
    stage = insert(STAGED).values({name: bindparam(name) for name in STAGED_FIELDS})
    return Statements(
        # the staging transaction commits without waiting for the disk (see above)
        stage=_positional(stage.returning(STAGED.c.id, no_flush), *STAGED_FIELDS),
        lock=_positional(select(func.pg_advisory_xact_lock(bindparam("key"))), "key"),
        # a full join: the head comes back even when nothing is staged (an unstaged row's seal)
        take=_positional(take.select_from(taken.outerjoin(head_row, true(), full=True)), "limit"),
        insert=_positional(insert(CHAIN).from_select(CHAIN_FIELDS, _sealed_rows()), "rows"),
        found=_positional(found.where(CHAIN.c.pending_id == any_(ids)), "ids"),
    )


SQL = _statements()
DETAILS = STAGED_FIELDS.index("details")
# prepared on the seal connection when it opens
SEAL_PREPARED = {"pz_seal_take": SQL.take, "pz_seal_insert": SQL.insert, "pz_seal_found": SQL.found}


def _prepare_statement(name: str) -> str:
    """``PREPARE name AS …`` with the statement's ``%s`` parameters numbered ``$1…``."""
    statement = SEAL_PREPARED[name]
    assert "%%" not in statement  # every "%s" is a parameter
    for number in range(1, statement.count("%s") + 1):
        statement = statement.replace("%s", f"${number}", 1)
    return f"PREPARE {name} AS {statement}"


def _execute(name: str) -> str:
    """The ``EXECUTE`` of a prepared seal statement, its parameters bound on the client."""
    return f"EXECUTE {name}({', '.join(['%s'] * SEAL_PREPARED[name].count('%s'))})"


def stage_pg(conn: Connection, values: dict[str, Any], details_json: bytes) -> int:
    """Insert a staged row in ``conn``'s current transaction; its id.

    ``details_json``: the canonical JSON of ``values["details"]``, stored as it is.
    """
    if not conn.in_transaction():
        conn.begin()  # what SQLAlchemy does on a first statement: the caller commits it
    driver: DriverConnection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
    params = [values[name] for name in STAGED_FIELDS]
    params[DETAILS] = details_json.decode()
    try:
        row = driver.execute(SQL.stage, params, prepare=True).fetchone()
    except DriverError as exc:  # as SQLAlchemy would raise it: callers handle those
        raise DBAPIError.instance(SQL.stage, params, exc, DriverError) from exc
    assert row is not None  # INSERT … RETURNING returns its row
    return int(row[0])


def seal_batch_pg(
    engine: Engine, limit: int, wanted: Collection[int], alone: Sequence[dict[str, Any]] = ()
) -> Batch:
    """One seal on this process's seal connection (kept open, in autocommit: no pool
    check-out per seal).

    A connection that broke (server restarted) is replaced and the seal tried once more: a
    seal either committed or left everything staged, so trying again is safe.
    """
    for attempt in (1, 2):
        held = _held(engine) or _open(engine)
        try:
            batch = _seal(held.conn, limit, wanted, alone)
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
    conn.autocommit = True  # the seal says BEGIN and COMMIT itself, in its two messages
    for name in SEAL_PREPARED:
        conn.execute(_prepare_statement(name))
    if not event.contains(engine, "engine_disposed", _drop):
        event.listen(engine, "engine_disposed", _drop)
    held = _HELD[engine] = _Held(os.getpid(), conn)
    return held


def _drop(engine: Engine) -> None:
    held = _held(engine)
    _HELD.pop(engine, None)
    if held is not None:
        held.conn.close()


# Runs while this process's seal waiters wait, so it must never wait itself: not for another
# process's VACUUM of the table (SKIP_LOCKED), nor to truncate the table's empty pages, which
# takes an exclusive lock that every staging insert holds off, retried for up to 5 s (seen: all
# requests stalled 5 s when both processes vacuumed at once). The pages are reused anyway.
VACUUM = "VACUUM (TRUNCATE false, SKIP_LOCKED true) audit_pending"


def _vacuum_now_and_then(held: _Held, sealed: int) -> None:
    """Every staged row becomes a dead tuple once sealed; autovacuum wakes once a minute at
    most, and the seal's scan of ``audit_pending`` must not grow with the dead rows meanwhile."""
    held.sealed_since_vacuum += sealed
    if held.sealed_since_vacuum < VACUUM_EVERY:
        return
    held.sealed_since_vacuum = 0
    try:
        held.conn.execute(VACUUM)  # in autocommit: outside a transaction
    except DriverError:
        log.warning("could not vacuum audit_pending; autovacuum will", exc_info=True)


def _seal(
    conn: DriverConnection[Any],
    limit: int,
    wanted: Collection[int],
    alone: Sequence[dict[str, Any]],
) -> Batch:
    """Under the chain lock: chain every staged row (up to ``limit``) and the ``alone`` rows
    after them, and find the wanted rows that an earlier seal chained. Two round trips; an
    error leaves everything staged (the caller drops the connection, which ends its
    transaction)."""
    cursor = ClientCursor(conn)
    cursor.execute(
        ";\n".join(["BEGIN", SQL.lock, _execute("pz_seal_take")]), (PG_CHAIN_LOCK, limit)
    )
    staged, head = _staged_rows(_results(cursor)[-1])
    rows, sealed = chain_rows([*staged, *alone], head)
    full = len(staged) == limit
    missing = [] if full else sorted(unsealed(wanted, sealed))  # if full: the next batch's
    statements: list[str] = []
    params: list[Any] = []
    if rows:
        statements.append(_execute("pz_seal_insert"))
        params.append(canonical_json(rows).decode())
    if missing:
        statements.append(_execute("pz_seal_found"))
        params.append(missing)
    cursor.execute(";\n".join([*statements, "COMMIT"]), params)
    found = _results(cursor)[-2] if missing else []
    landed = [Sealed(int(r[0]), int(r[1]), r[2]) for r in found]
    return Batch.split(sealed, len(staged), landed, full)


def _results(cursor: ClientCursor[Any]) -> list[list[Any]]:
    """The rows of every statement of the message just sent (none for BEGIN)."""
    results: list[list[Any]] = []
    while True:
        results.append(cursor.fetchall() if cursor.description is not None else [])
        if not cursor.nextset():
            return results


def _staged_rows(
    fetched: list[tuple[Any, ...]],
) -> tuple[list[dict[str, Any]], tuple[int, str] | None]:
    """The taken rows as dicts and the chain's head (seq, hash), which ends every row (the only
    row, with no taken row in it, if nothing was staged)."""
    if not fetched:
        return [], None
    names = ("id", *STAGED_FIELDS)
    staged = [dict(zip(names, row[:-2], strict=True)) for row in fetched if row[0] is not None]
    head_seq, head_hash = fetched[0][-2:]
    return staged, None if head_seq is None else (head_seq, head_hash)
