"""Audit log for auditors and admins: filter, page, export, verify."""

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api import audit_proofs, audit_report
from app.api.deps import DatabaseDep, SessionDep, in_transaction, read_then_record
from app.audit.chain import utc_instant
from app.audit.log_verify import verify_log
from app.audit.sealer import seal_quietly
from app.auth.deps import AuditorActor
from app.db.session import Database
from app.errors import InvalidInput
from app.repositories.audit import EventFilter, event_dicts
from app.services.audit_log import export_csv, export_jsonl

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class EventOut(BaseModel):
    seq: int
    time: str
    actor: str | None
    role: str | None
    action: str
    resource: str
    dataset_id: str | None
    outcome: int
    client: str | None
    request_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class EventPage(BaseModel):
    items: list[EventOut]
    next: int | None


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
    checkpoints_checked: int


def _instant(value: str | None, name: str) -> str | None:
    """Accept any ISO 8601 instant; compare in the stored fixed-width UTC form."""
    try:
        return None if value is None else utc_instant(value)
    except ValueError as exc:
        raise InvalidInput(f"{name}: {exc}", field=name) from exc


EXPORTS = {media: {"schema": {"type": "string"}} for media in ("application/x-ndjson", "text/csv")}


@router.get(
    "/events",
    response_model=None,
    name="audit.events",
    responses={200: {"model": EventPage, "content": EXPORTS}},
)
async def list_audit_events(
    _actor: AuditorActor,
    request: Request,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    dataset_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[int | None, Query(ge=100, le=599)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    purpose: Annotated[str | None, Query(max_length=2000)] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    format: Annotated[Literal["json", "jsonl", "csv"], Query()] = "json",
) -> Response:
    """Filter and page the log (``next`` is the ``after_seq`` of the next page), or export it."""
    flt = EventFilter(
        actor=actor,
        dataset_id=dataset_id,
        action=action,
        outcome=outcome,
        since=_instant(since, "since"),
        until=_instant(until, "until"),
        after_seq=after_seq,
        purpose=purpose,
    )
    if format != "json":
        db: Database = request.app.state.db  # not a dependency: see queries.run_query
        # what others staged is sealed first; the export's own event commits before it streams
        await in_transaction(request, lambda _session: seal_quietly(db.engine))
        export = export_jsonl if format == "jsonl" else export_csv
        media = "application/x-ndjson" if format == "jsonl" else "text/csv; charset=utf-8"
        return StreamingResponse(export(db, flt, limit), media_type=media)
    page = await read_then_record(request, lambda session: _page(session, flt, limit or 100))
    return Response(page, media_type="application/json")


def _page(session: Session, flt: EventFilter, size: int) -> bytes:
    """One page of the chain as sealed, as JSON (``EventPage``: the columns are its fields).

    No seal first: every answered request's event is sealed before its answer left (and
    background writers seal after they commit), so what is still staged belongs to requests
    in flight; the page is a prefix of the chain either way. Exports seal first.
    """
    rows = event_dicts(session, flt, size + 1)
    items, more = rows[:size], len(rows) > size
    page = {"items": items, "next": items[-1]["seq"] if more else None}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/verify", response_model=VerifyOut, name="audit.verify")
def verify(_actor: AuditorActor, _session: SessionDep, db: DatabaseDep) -> VerifyOut:
    """Recompute the chain and every signed root: ``first_bad_seq`` names the first bad event."""
    return VerifyOut.model_validate(verify_log(db), from_attributes=True)


router.include_router(audit_proofs.router)
router.include_router(audit_report.router)
