"""Admin endpoints: organisations, principals, keys; and ``/v1/me`` for any key."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import SessionDep, after_commit
from app.audit.context import audit_context
from app.auth.deps import AdminActor, CurrentActor
from app.db.models.principals import Role
from app.services import principals as service

router = APIRouter(prefix="/v1", tags=["admin"])
ResourceId = Annotated[str, Path(max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrgIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class OrgOut(BaseModel):
    id: str
    name: str
    created_at: datetime


class PrincipalIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    org_id: str = Field(min_length=1, max_length=64)


class PrincipalOut(BaseModel):
    id: str
    name: str
    role: str
    org_id: str
    created_at: datetime


class KeyOut(BaseModel):
    key_id: str
    key: str = Field(description="shown once; only a hash is stored")
    principal_id: str


class RevokedOut(BaseModel):
    key_id: str
    revoked_at: datetime | None


class MeOut(BaseModel):
    principal_id: str
    name: str
    role: str
    org_id: str


@router.get("/me", response_model=MeOut, name="me.read")
def read_me(actor: CurrentActor, _session: SessionDep) -> MeOut:
    return MeOut(
        principal_id=actor.principal_id, name=actor.name, role=actor.role, org_id=actor.org_id
    )


@router.post("/orgs", status_code=201, response_model=OrgOut, name="orgs.create")
def create_org(body: OrgIn, _actor: AdminActor, session: SessionDep, request: Request) -> OrgOut:
    org = service.create_org(session, body.name)
    audit_context(request).resource = f"org/{org.id}"
    return OrgOut(id=org.id, name=org.name, created_at=org.created_at)


@router.post("/principals", status_code=201, response_model=PrincipalOut, name="principals.create")
def create_principal(
    body: PrincipalIn, _actor: AdminActor, session: SessionDep, request: Request
) -> PrincipalOut:
    principal = service.create_principal(session, body.name, body.role, body.org_id)
    audit_context(request).resource = f"principal/{principal.id}"
    return PrincipalOut.model_validate(principal, from_attributes=True)


@router.post("/principals/{principal_id}/keys", status_code=201, name="keys.create")
def create_key(
    principal_id: ResourceId, _actor: AdminActor, session: SessionDep, request: Request
) -> KeyOut:
    issued = service.issue_key(session, principal_id)
    context = audit_context(request)
    context.resource = f"key/{issued.key_id}"
    context.details["principal_id"] = principal_id
    return KeyOut(key_id=issued.key_id, key=issued.key, principal_id=issued.principal_id)


@router.delete("/keys/{key_id}", response_model=RevokedOut, name="keys.revoke")
def revoke_key(
    key_id: ResourceId, _actor: AdminActor, session: SessionDep, request: Request
) -> RevokedOut:
    key = service.revoke_key(session, key_id)
    audit_context(request).resource = f"key/{key.id}"
    after_commit(request).append(lambda: request.app.state.key_cache.forget(key.id))
    return RevokedOut(key_id=key.id, revoked_at=key.revoked_at)
