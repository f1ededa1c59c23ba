"""How a grant is shown to the agency that issued it and the consumer who holds it."""

from datetime import datetime

from pydantic import BaseModel

from app.db.base import aware
from app.db.models import Grant


class GrantOut(BaseModel):
    id: str
    dataset_id: str
    consumer_id: str
    purpose: str
    outputs: list[str]
    state: str
    epsilon_total: float
    epsilon_spent: float
    delta_total: float
    delta_spent: float
    expires_at: datetime
    access_request_id: str | None = None
    revoke_reason: str | None = None


def grant_out(grant: Grant, now: datetime) -> GrantOut:
    fields = {name: getattr(grant, name) for name in GrantOut.model_fields if name != "state"}
    fields["expires_at"] = aware(grant.expires_at)
    return GrantOut(**fields, state=grant.state(now))
