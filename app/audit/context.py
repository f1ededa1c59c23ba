"""What a request tells the audit log about itself, gathered while it runs.

The action's event is written in the action's own transaction and commits with it (or not at
all): staged on PostgreSQL, chained at once on SQLite (``app.repositories.audit_seal.write``).
Once committed, the request waits until a staged event is chained (``app.audit.sealer``), so a
response never leaves before its event is in the log, and a receipt names the final event. On
PostgreSQL that wait is also what makes the action durable: its commit does not wait for the
disk, the seal's commit flushes both (``app.repositories.audit_seal_pg``). An event with
nothing to commit beside it (a successful read) is not staged there: it goes to the next seal
from memory (``alone``).
"""

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.audit.sealer import (
    UNAVAILABLE_DETAIL,
    AuditUnavailable,
    seal_alone,
    staging,
    wait_sealed,
)
from app.db.session import Database
from app.repositories.audit import NewEvent, Sealed, Written, write

__all__ = ["UNAVAILABLE_DETAIL", "AuditContext", "AuditUnavailable", "audit_context", "receipt"]


@dataclass
class AuditContext:
    """``pending_id``: the action's staged event; ``committed``: the action (with it) committed;
    ``written``: the response's event is stored, so the middleware adds none."""

    request_id: str
    method: str
    path: str
    client: str | None
    scope: MutableMapping[str, Any] = field(default_factory=dict, repr=False)
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    resource: str | None = None
    dataset_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    pending_id: int | None = None
    committed: bool = False
    written: bool = False
    event_seq: int | None = None
    event_hash: str | None = None

    def event(self, outcome: int) -> NewEvent:
        self.adopt_route()
        details = {"method": self.method, **self.details}
        return NewEvent(
            action=self.action or "unrouted",
            resource=storable(self.resource or self.path, 300),
            outcome=outcome,
            actor=self.actor,
            role=self.role or "anonymous",
            dataset_id=storable(self.dataset_id, 40) if self.dataset_id else None,
            client=self.client,
            request_id=self.request_id,
            details=details,
        )

    def adopt_route(self) -> None:
        """Name the action after the matched route and pick up ``dataset_id`` from the path."""
        scope = self.scope
        route = scope.get("route")
        if self.action is None and route is not None:
            self.action = getattr(route, "name", None)
        if self.dataset_id is None:
            self.dataset_id = scope.get("path_params", {}).get("dataset_id")

    def stage(self, session: Session, outcome: int) -> None:
        """Write this request's event in ``session`` (the action's own transaction), once."""
        if self.pending_id is not None or self.event_seq is not None:
            return
        written = _write(session, self.event(outcome))
        self.pending_id = written.pending_id
        if written.sealed is not None:  # chained already (SQLite)
            self.event_seq, self.event_hash = written.sealed.seq, written.sealed.hash

    def commit(self, session: Session, db: Database, outcome: int) -> None:
        """Write this request's event (once) and commit the action together with it."""
        with staging(db.engine):
            self.stage(session, outcome)
            session.commit()
        self.committed = True

    def record_alone(self, db: Database, outcome: int) -> None:
        """The request stored nothing: chain its event, unstaged (PostgreSQL only)."""
        if self.pending_id is not None or self.event_seq is not None:
            return
        landed = _seal_alone(db, self.event(outcome))
        self.event_seq, self.event_hash = landed.seq, landed.hash
        self.committed = True

    def chain(self, db: Database) -> None:
        """Wait until the committed event is chained; ``AuditUnavailable`` if it cannot be."""
        if self.event_seq is not None or self.pending_id is None:
            return
        landed = wait_sealed(db.engine, self.pending_id)
        self.event_seq, self.event_hash = landed.seq, landed.hash

    def rolled_back(self) -> None:
        """The action's transaction rolled back: its staged event no longer exists."""
        if not self.committed:
            self.pending_id = self.event_seq = self.event_hash = None


def storable(text: str, size: int) -> str:
    """Client-chosen text (a path, an id from it) made to fit its column: NUL escaped, cut."""
    return text.replace("\x00", "%00")[:size]


def _write(session: Session, new: NewEvent) -> Written:
    try:
        return write(session, new)
    except (SQLAlchemyError, ValueError) as exc:
        raise AuditUnavailable(UNAVAILABLE_DETAIL) from exc


def _seal_alone(db: Database, new: NewEvent) -> Sealed:
    try:
        return seal_alone(db.engine, new)
    except ValueError as exc:  # details that are not canonical JSON (NaN)
        raise AuditUnavailable(UNAVAILABLE_DETAIL) from exc


def record_outcome(db: Database, context: AuditContext, outcome: int) -> None:
    """The response's own event (denied, invalid, failed, unrouted), in a transaction of its own.

    Staged, not ``alone``: should the chain refuse to grow, the refusal is still on disk and
    chained once it grows again."""
    with db.record_sessions() as session, staging(db.engine):
        written = _write(session, context.event(outcome))
        session.commit()
    if written.pending_id is not None:
        wait_sealed(db.engine, written.pending_id)
    context.written = True


def audit_context(request: Request) -> AuditContext:
    context: AuditContext = request.state.audit
    return context


def receipt(
    request: Request, session: Session, outcome: int = 200, alone: bool = False
) -> dict[str, Any]:
    """Commit the action now with its event, and name the chained event in the response.

    For data-releasing responses: ``{event_seq, event_hash}``. This ends the action's
    transaction: call it last, once everything the action stores is in ``session``.
    ``alone``: the action stored nothing, so on PostgreSQL its event is not staged.
    """
    context, db = audit_context(request), request.app.state.db
    if alone and not db.is_sqlite:
        context.record_alone(db, outcome)
    else:
        context.commit(session, db, outcome)
    context.chain(db)
    return {"event_seq": context.event_seq, "event_hash": context.event_hash}
