"""What a request tells the audit log about itself, gathered while it runs."""

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from app.repositories.audit import NewEvent, append


@dataclass
class AuditContext:
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
    written: bool = False
    event_seq: int | None = None
    event_hash: str | None = None

    def event(self, outcome: int) -> NewEvent:
        details = {"method": self.method, **self.details}
        return NewEvent(
            action=self.action or "unrouted",
            resource=self.resource or self.path,
            outcome=outcome,
            actor=self.actor,
            role=self.role or "anonymous",
            dataset_id=self.dataset_id,
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

    def record(self, session: Session, outcome: int) -> None:
        """Append this request's event in ``session`` (the action's own transaction), once."""
        if self.event_seq is not None:
            return
        self.adopt_route()
        event = append(session, self.event(outcome))
        self.event_seq, self.event_hash = event.seq, event.hash


def audit_context(request: Request) -> AuditContext:
    context: AuditContext = request.state.audit
    return context


def receipt(request: Request, session: Session, outcome: int = 200) -> dict[str, Any]:
    """Append the event now (it commits with the release) and name it in the response.

    For data-releasing responses: ``{event_seq, event_hash}``.
    """
    context = audit_context(request)
    context.record(session, outcome)
    return {"event_seq": context.event_seq, "event_hash": context.event_hash}
