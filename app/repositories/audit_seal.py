"""Writing the audit chain: staging events, and sealing staged events into the chain.

On PostgreSQL an action stages its event in ``audit_pending`` inside its own transaction,
without the chain lock (and without waiting for the disk: the seal's flush covers it). A seal
(``app.audit.sealer``) moves staged rows into ``audit_events`` in one transaction under the
chain lock, assigning sequence numbers, time and hashes: one commit (one WAL flush) for a
whole batch. The seal runs on the driver connection, a few round trips whatever the batch size
(``audit_seal_pg``): it is the one serialized step of every append. On SQLite the
action's write transaction already holds the only write lock, so ``write`` chains the event
at once; staged rows (there only if staged explicitly) are sealed through SQLAlchemy Core.
"""

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, delete, event, insert, select
from sqlalchemy.orm import Session

from app.audit.chain import GENESIS_HASH, canonical_json, event_hash, rfc3339_now
from app.db.models.audit import AuditEvent, AuditPending

# Any constant works: it only has to be the same for every writer of the chain.
PG_CHAIN_LOCK = 0x7A686F75
STAGED = cast(Table, AuditPending.__table__)
CHAIN = cast(Table, AuditEvent.__table__)
STAGED_FIELDS = tuple(column.name for column in STAGED.columns if column.name != "id")


@dataclass
class NewEvent:
    """What the caller knows of an event; sequence, time and hashes are added when sealed."""

    action: str
    resource: str
    outcome: int
    actor: str | None = None
    role: str | None = None
    dataset_id: str | None = None
    client: str | None = None
    request_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sealed:
    """Where an event landed in the chain (``pending_id``: the staged row it came from)."""

    pending_id: int | None
    seq: int
    hash: str


@dataclass(frozen=True)
class Written:
    """An event written in the caller's transaction: staged (PostgreSQL) or chained (SQLite)."""

    pending_id: int | None = None
    sealed: Sealed | None = None


def write(session: Session | Connection, new: NewEvent) -> Written:
    """Write the event in the caller's transaction, the cheapest way for the database.

    PostgreSQL: staged (sealed into the chain after the commit, in batches). SQLite: chained at
    once, since the caller's write transaction already holds the database's only write lock
    (``BEGIN IMMEDIATE``), which is the chain lock: staging would only add a second commit.
    """
    conn = _connection(session)
    if conn.dialect.name == "sqlite":
        return Written(sealed=chain_now(conn, new))
    return Written(pending_id=stage(conn, new))


def _connection(session: Session | Connection) -> Connection:
    return session.connection() if isinstance(session, Session) else session


def chain_now(conn: Connection, new: NewEvent) -> Sealed:
    """Chain the event in the caller's transaction, which must hold the chain lock."""
    canonical_json(new.details)
    head = conn.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    rows, sealed = chain_rows([{"id": None, **vars(new)}], head and (head.seq, head.hash))
    conn.execute(insert(CHAIN), rows)
    return sealed[0]


def stage(session: Session | Connection, new: NewEvent) -> int:
    """Insert the event into ``audit_pending`` in the caller's transaction; its pending id.

    ``details`` must be canonical JSON (no NaN, no infinity), so one bad event can never stop
    the sealer: it fails here, in its own request.
    """
    details_json = canonical_json(new.details)
    values = vars(new)  # the dataclass's fields are exactly the staged columns
    conn = _connection(session)
    if conn.dialect.name == "postgresql":
        from app.repositories.audit_seal_pg import stage_pg  # the driver, in this transaction

        return stage_pg(conn, values, details_json)
    pending_id: int = conn.execute(insert(STAGED).returning(STAGED.c.id), values).scalar_one()
    return pending_id


def append(session: Session, new: NewEvent) -> Written:
    """Write the event in the caller's transaction; if staged, seal it once that commits.

    For background writers (jobs, expiry, the command line) that need no receipt. A failed seal
    is logged and left to the next one: the staged row is already durable.
    """
    written = write(session, new)
    if written.pending_id is not None:
        event.listen(session, "after_commit", _seal_after_commit, once=True)
    return written


def _seal_after_commit(session: Session) -> None:
    from app.audit.sealer import seal_quietly  # the sealer builds on this module

    bind = session.get_bind()
    seal_quietly(bind if isinstance(bind, Engine) else bind.engine)


def purpose_key(details: dict[str, Any]) -> str | None:
    """The indexed search key of ``details["purpose"]`` (kept outside the hashed event)."""
    purpose = details.get("purpose")
    return hashlib.sha256(purpose.encode()).hexdigest() if isinstance(purpose, str) else None


def chain_rows(
    staged: list[dict[str, Any]], head: tuple[int, str] | None
) -> tuple[list[dict[str, Any]], list[Sealed]]:
    """Audit rows for ``staged`` rows (with ``id``), in order, after ``head`` (seq, hash)."""
    seq, prev_hash = head if head else (0, GENESIS_HASH)
    now, rows, sealed = rfc3339_now(), [], []
    for row in staged:
        seq += 1
        values = {**row, "seq": seq, "time": now, "prev_hash": prev_hash}
        pending_id = values.pop("id")
        prev_hash = event_hash(values)
        extra = {"pending_id": pending_id, "purpose_sha256": purpose_key(values["details"])}
        rows.append({**values, "hash": prev_hash, **extra})
        sealed.append(Sealed(pending_id, seq, prev_hash))
    return rows, sealed


@dataclass(frozen=True)
class Batch:
    """One seal: the staged events it chained, where wanted rows chained earlier landed, and
    where the unstaged events it was given (``alone``) landed, in their order."""

    sealed: list[Sealed]
    found: list[Sealed]
    full: bool
    alone: list[Sealed] = field(default_factory=list)

    @classmethod
    def split(cls, sealed: list[Sealed], staged: int, found: list[Sealed], full: bool) -> "Batch":
        """``sealed``: the first ``staged`` events came from staged rows, the rest were alone."""
        return cls(sealed[:staged], found, full, sealed[staged:])


def unstaged_row(new: NewEvent) -> dict[str, Any]:
    """An event that was never staged, as a taken row (no pending id): sealed from memory.

    ``details`` must be canonical JSON, checked here, in the caller's request (as ``stage``)."""
    canonical_json(new.details)
    return {"id": None, **vars(new)}


def seal_batch(
    engine: Engine, limit: int, wanted: Collection[int] = (), alone: Sequence[dict[str, Any]] = ()
) -> Batch:
    """Chain up to ``limit`` staged events (oldest pending id first), then the ``alone`` rows
    (``unstaged_row``), in one transaction.

    The transaction holds the chain lock. If staging is then empty, it also looks up the
    ``wanted`` pending ids it did not chain (another process's seal took them).
    """
    if engine.dialect.name == "postgresql":
        from app.repositories.audit_seal_pg import seal_batch_pg  # the driver's pipeline

        return seal_batch_pg(engine, limit, wanted, alone)
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, the write lock is the chain lock
        oldest = select(STAGED.c.id).order_by(STAGED.c.id).limit(limit)
        taken = conn.execute(delete(STAGED).where(STAGED.c.id.in_(oldest)).returning(*STAGED.c))
        staged = sorted((row._asdict() for row in taken), key=lambda row: int(row["id"]))
        sealed: list[Sealed] = []
        if staged or alone:
            head = conn.execute(
                select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
            ).first()
            head_pair = None if head is None else (head.seq, head.hash)
            rows, sealed = chain_rows([*staged, *alone], head_pair)
            conn.execute(insert(CHAIN), rows)
        full, missing = len(staged) == limit, unsealed(wanted, sealed)
        found = sealed_events(conn, missing) if missing and not full else []
    return Batch.split(sealed, len(staged), found, full)


def unsealed(wanted: Collection[int], sealed: list[Sealed]) -> set[int]:
    return set(wanted).difference(event.pending_id for event in sealed)


def sealed_events(conn: Connection, pending_ids: Collection[int]) -> list[Sealed]:
    """The chained events made from these pending rows (those that were sealed)."""
    rows = conn.execute(
        select(AuditEvent.pending_id, AuditEvent.seq, AuditEvent.hash).where(
            AuditEvent.pending_id.in_(sorted(pending_ids))
        )
    )
    return [Sealed(int(row.pending_id), int(row.seq), row.hash) for row in rows]


def has_staged(session: Session) -> bool:
    return session.execute(select(STAGED.c.id).limit(1)).first() is not None
