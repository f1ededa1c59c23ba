"""Audit log storage: serialized appends and filtered reads."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from app.audit.chain import EVENT_FIELDS, GENESIS_HASH, event_hash, rfc3339_now
from app.db.models import AuditEvent

# Any constant works: it only has to be the same for every writer of the chain.
_PG_CHAIN_LOCK = 0x7A686F75


@dataclass
class NewEvent:
    """What the caller knows of an event; sequence, time and hashes are added on append."""

    action: str
    resource: str
    outcome: int
    actor: str | None = None
    role: str | None = None
    dataset_id: str | None = None
    client: str | None = None
    request_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _lock_chain(session: Session) -> None:
    """Serialize appends across processes until this transaction ends.

    SQLite write sessions already hold the database write lock (``BEGIN IMMEDIATE``).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})


def append(session: Session, new: NewEvent) -> AuditEvent:
    """Append one event at the head of the chain, in the caller's transaction."""
    _lock_chain(session)
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    values: dict[str, Any] = {
        "seq": head.seq + 1 if head else 1,
        "time": rfc3339_now(),
        "actor": new.actor,
        "role": new.role,
        "action": new.action,
        "resource": new.resource,
        "dataset_id": new.dataset_id,
        "outcome": new.outcome,
        "client": new.client,
        "request_id": new.request_id,
        "details": new.details,
        "prev_hash": head.hash if head else GENESIS_HASH,
    }
    event = AuditEvent(**values, hash=event_hash(values))
    session.add(event)
    session.flush()
    return event


@dataclass
class EventFilter:
    actor: str | None = None
    dataset_id: str | None = None
    action: str | None = None
    outcome: int | None = None
    since: str | None = None
    until: str | None = None
    after_seq: int = 0


def _filtered(flt: EventFilter) -> Select[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.seq > flt.after_seq)
    if flt.actor is not None:
        query = query.where(AuditEvent.actor == flt.actor)
    if flt.dataset_id is not None:
        query = query.where(AuditEvent.dataset_id == flt.dataset_id)
    if flt.action is not None:
        query = query.where(AuditEvent.action == flt.action)
    if flt.outcome is not None:
        query = query.where(AuditEvent.outcome == flt.outcome)
    if flt.since is not None:
        query = query.where(AuditEvent.time >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.time < flt.until)
    return query.order_by(AuditEvent.seq)


def list_events(session: Session, flt: EventFilter, limit: int) -> list[AuditEvent]:
    return list(session.scalars(_filtered(flt).limit(limit)))


def stream_events(session: Session, flt: EventFilter, page: int = 2000) -> Iterator[AuditEvent]:
    """Every matching event in order, fetched page by page (exports of any size)."""
    while True:
        batch = list_events(session, flt, page)
        yield from batch
        if len(batch) < page:
            return
        flt.after_seq = batch[-1].seq
        session.expunge_all()


def as_dict(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in (*EVENT_FIELDS, "hash")}
