"""Audit log storage: filtered reads of the chain (writing it is ``audit_seal``)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from app.audit.chain import EVENT_FIELDS
from app.db.models import AuditEvent, Dataset
from app.repositories.audit_seal import (
    NewEvent,
    Sealed,
    Written,
    append,
    purpose_key,
    stage,
    write,
)

__all__ = [
    "EventFilter",
    "NewEvent",
    "Sealed",
    "Written",
    "append",
    "purpose_key",
    "stage",
    "write",
]


@dataclass
class EventFilter:
    actor: str | None = None
    dataset_id: str | None = None
    action: str | None = None
    outcome: int | None = None
    since: str | None = None
    until: str | None = None
    after_seq: int = 0
    purpose: str | None = None
    outcomes: tuple[int, ...] | None = None
    actions: tuple[str, ...] | None = None
    until_seq: int | None = None


def _conditions(flt: EventFilter) -> list[ColumnElement[bool]]:
    equal: list[tuple[Any, Any]] = [
        (AuditEvent.actor, flt.actor),
        (AuditEvent.dataset_id, flt.dataset_id),
        (AuditEvent.action, flt.action),
        (AuditEvent.outcome, flt.outcome),
        (AuditEvent.purpose_sha256, flt.purpose and purpose_key({"purpose": flt.purpose})),
    ]
    found = [column == value for column, value in equal if value is not None]
    if flt.outcomes is not None:
        found.append(AuditEvent.outcome.in_(flt.outcomes))
    if flt.actions is not None:
        found.append(AuditEvent.action.in_(flt.actions))
    if flt.until_seq is not None:
        found.append(AuditEvent.seq <= flt.until_seq)
    if flt.since is not None:
        found.append(AuditEvent.time >= flt.since)
    if flt.until is not None:
        found.append(AuditEvent.time < flt.until)
    return found


def _filtered(flt: EventFilter) -> Select[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.seq > flt.after_seq, *_conditions(flt))
    return query.order_by(AuditEvent.seq)


def list_events(session: Session, flt: EventFilter, limit: int) -> list[AuditEvent]:
    return list(session.scalars(_filtered(flt).limit(limit)))


_PUBLISHED_COLUMNS = [getattr(AuditEvent, name) for name in (*EVENT_FIELDS, "hash")]


def event_dicts(session: Session, flt: EventFilter, limit: int) -> list[dict[str, Any]]:
    """Like ``list_events``, as the API shows them (``as_dict``), without loading entities."""
    query = _filtered(flt).with_only_columns(*_PUBLISHED_COLUMNS)  # same filter and order
    rows = session.connection().execute(query.limit(limit))
    return [dict(row._mapping) for row in rows]


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


def event_actor(session: Session, seq: int) -> tuple[bool, str | None]:
    """Whether event ``seq`` exists, and its actor."""
    row = session.execute(select(AuditEvent.actor).where(AuditEvent.seq == seq)).first()
    return (row is not None, row.actor if row is not None else None)


def dataset_org(session: Session, dataset_id: str) -> str | None:
    """The organisation that owns ``dataset_id``, if it exists."""
    return session.scalar(select(Dataset.org_id).where(Dataset.id == dataset_id))
