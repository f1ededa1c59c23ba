"""Grants (an admin's direct path) and budgets (consumer, agency, auditor)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import SessionDep
from app.api.grant_out import GrantOut, grant_out
from app.audit.context import audit_context
from app.auth.actor import Actor
from app.auth.deps import AdminActor, require_roles
from app.db.base import utcnow
from app.services import budgets, grants

router = APIRouter(prefix="/v1", tags=["grants"])
BudgetReader = Annotated[Actor, Depends(require_roles("consumer", "agency", "auditor"))]


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset_id: str = Field(max_length=64)
    consumer_id: str = Field(max_length=64)
    epsilon: float = Field(gt=0, le=100)
    delta: float = Field(default=0.0, ge=0, lt=1e-3)
    days: int = Field(default=30, ge=1, le=3650)
    purpose: str = Field(min_length=1, max_length=2000)
    outputs: list[str] = Field(default_factory=lambda: ["dp_query"], min_length=1)


@router.post("/grants", status_code=201, response_model=GrantOut, name="grants.create")
def create_grant(
    body: GrantIn, actor: AdminActor, session: SessionDep, request: Request
) -> GrantOut:
    grant = grants.create(
        session,
        actor.principal_id,
        body.dataset_id,
        body.consumer_id,
        body.epsilon,
        body.days,
        body.purpose,
        body.outputs,
        body.delta,
    )
    context = audit_context(request)
    context.resource, context.dataset_id = f"grant/{grant.id}", grant.dataset_id
    context.details.update(
        consumer_id=grant.consumer_id, epsilon=grant.epsilon_total, purpose=grant.purpose
    )
    return grant_out(grant, utcnow())


@router.get("/budgets", name="budgets.read")
def read_budgets(actor: BudgetReader, session: SessionDep) -> dict[str, Any]:
    """Spent and remaining ε per grant and per dataset the caller may see."""
    return budgets.visible(session, actor)
