"""Access requests (consumer asks, owning agency decides) and grant revocation."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.api.deps import SessionDep
from app.api.grant_out import GrantOut, grant_out
from app.audit.context import audit_context
from app.auth.actor import Actor
from app.auth.deps import AgencyActor, ConsumerActor, require_roles
from app.db.base import utcnow
from app.db.models import AccessRequest
from app.services import access, grants

router = APIRouter(prefix="/v1", tags=["access requests"])
RequestId = Annotated[str, Path(max_length=64)]
Reader = Annotated[Actor, Depends(require_roles("consumer", "agency", "auditor"))]
Output = Literal["dp_query", "extract"]
State = Literal["pending", "approved", "denied", "expired", "revoked"]


class AccessRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    dataset_id: str = Field(max_length=64)
    purpose: str = Field(min_length=1, max_length=2000)
    outputs: list[Output] = Field(min_length=1, max_length=2)
    epsilon: float | None = Field(default=None, ge=0, le=100)
    delta: float = Field(default=0.0, ge=0, lt=1e-3)
    days: int = Field(default=30, ge=1, le=3650)


class AccessRequestOut(BaseModel):
    id: str
    dataset_id: str
    consumer_id: str
    purpose: str
    outputs: list[str]
    epsilon: float
    delta: float
    days: int
    state: str
    reason: str | None
    decided_at: datetime | None
    grant_id: str | None
    created_at: datetime


class AccessRequestPage(BaseModel):
    items: list[AccessRequestOut]
    next: str | None


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    epsilon: float | None = Field(default=None, ge=0, le=100)
    expires_at: AwareDatetime | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=2000)


def _out(row: AccessRequest) -> AccessRequestOut:
    return AccessRequestOut.model_validate(row, from_attributes=True)


def _note(request: Request, row: AccessRequest, **details: object) -> None:
    context = audit_context(request)
    context.resource, context.dataset_id = f"access_request/{row.id}", row.dataset_id
    context.details.update(
        purpose=row.purpose, consumer_id=row.consumer_id, outputs=row.outputs, **details
    )


@router.post(
    "/access-requests",
    status_code=201,
    response_model=AccessRequestOut,
    name="access_requests.create",
)
def file_request(
    body: AccessRequestIn, actor: ConsumerActor, session: SessionDep, request: Request
) -> AccessRequestOut:
    """Ask for a published dataset, saying what for; the owning agency decides."""
    ask = access.Ask(
        body.dataset_id, body.purpose, list(body.outputs), body.epsilon, body.delta, body.days
    )
    row = access.file(session, actor, ask)
    _note(request, row, epsilon=row.epsilon, days=row.days)
    return _out(row)


@router.get("/access-requests", response_model=AccessRequestPage, name="access_requests.list")
def list_requests(
    actor: Reader,
    session: SessionDep,
    state: State | None = None,
    dataset_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AccessRequestPage:
    """Consumers: their own; agencies: those on their datasets; auditors: all."""
    filters = {k: v for k, v in {"state": state, "dataset_id": dataset_id}.items() if v}
    rows, after = access.visible(session, actor, filters, cursor, limit)
    return AccessRequestPage(items=[_out(row) for row in rows], next=after)


@router.get(
    "/access-requests/{request_id}", response_model=AccessRequestOut, name="access_requests.read"
)
def read_request(request_id: RequestId, actor: Reader, session: SessionDep) -> AccessRequestOut:
    return _out(access.of(session, actor, request_id))


@router.post(
    "/access-requests/{request_id}/approve",
    status_code=201,
    response_model=GrantOut,
    name="access_requests.approve",
)
def approve(
    request_id: RequestId,
    body: ApproveIn,
    actor: AgencyActor,
    session: SessionDep,
    request: Request,
) -> GrantOut:
    """Issue the grant, with at most the ε and the term asked for."""
    row, grant = access.approve(session, actor, request_id, body.epsilon, body.expires_at)
    _note(request, row, grant_id=grant.id, epsilon=grant.epsilon_total)
    audit_context(request).details["expires_at"] = grant.expires_at.isoformat()
    return grant_out(grant, utcnow())


@router.post(
    "/access-requests/{request_id}/deny",
    response_model=AccessRequestOut,
    name="access_requests.deny",
)
def deny(
    request_id: RequestId,
    body: ReasonIn,
    actor: AgencyActor,
    session: SessionDep,
    request: Request,
) -> AccessRequestOut:
    """Refuse, with a reason the consumer sees."""
    row = access.deny(session, actor, request_id, body.reason)
    _note(request, row, reason=body.reason)
    return _out(row)


@router.post("/grants/{grant_id}/revoke", response_model=GrantOut, name="grants.revoke")
def revoke(
    grant_id: Annotated[str, Path(max_length=64)],
    body: ReasonIn,
    actor: AgencyActor,
    session: SessionDep,
    request: Request,
) -> GrantOut:
    """End a grant now; every later use is refused with this reason."""
    grant = grants.revoke(session, actor, grant_id, body.reason)
    context = audit_context(request)
    context.resource, context.dataset_id = f"grant/{grant.id}", grant.dataset_id
    context.details.update(
        grant_id=grant.id, consumer_id=grant.consumer_id, purpose=grant.purpose, reason=body.reason
    )
    return grant_out(grant, utcnow())
