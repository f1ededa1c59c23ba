"""Grants: made by an agency's approval (or directly by an admin), revoked, expired.

A grant is ``active`` until it is revoked or its expiry passes; both transitions are audit
events. Every use of a grant goes through ``require_active``, which refuses with the reason.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.base import aware, utcnow
from app.db.ids import new_id
from app.db.models import AccessRequest, Dataset, Grant
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.repositories import budget as repo
from app.repositories import principals as principal_repo

OUTPUTS = ("dp_query", "extract")


@dataclass(frozen=True)
class GrantTerms:
    epsilon: float
    delta: float
    expires_at: datetime
    purpose: str
    outputs: list[str]
    access_request_id: str | None = None


def check_outputs(outputs: list[str]) -> None:
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs or len(set(outputs)) != len(outputs):
        raise InvalidInput(
            f"outputs must be among {', '.join(OUTPUTS)}, each once", field="outputs"
        )


def issue(
    session: Session, creator_id: str, dataset_id: str, consumer_id: str, terms: GrantTerms
) -> Grant:
    """Store a new active grant (the caller has checked who may issue it)."""
    if session.get(Dataset, dataset_id) is None:
        raise NotFound(f"dataset {dataset_id} does not exist")
    consumer = principal_repo.get_principal(session, consumer_id)
    if consumer is None or consumer.role != "consumer":
        raise InvalidInput(f"{consumer_id} is not a consumer", field="consumer_id")
    check_outputs(terms.outputs)
    grant = Grant(
        id=new_id("grt"),
        dataset_id=dataset_id,
        consumer_id=consumer_id,
        purpose=terms.purpose,
        outputs=terms.outputs,
        epsilon_total=terms.epsilon,
        epsilon_spent=0.0,
        delta_total=terms.delta,
        delta_spent=0.0,
        expires_at=terms.expires_at,
        created_by=creator_id,
        created_at=utcnow(),
        access_request_id=terms.access_request_id,
    )
    repo.add(session, grant)
    return grant


def create(
    session: Session,
    creator_id: str,
    dataset_id: str,
    consumer_id: str,
    epsilon: float,
    days: int,
    purpose: str,
    outputs: list[str],
    delta: float = 0.0,
) -> Grant:
    """An admin's direct grant (no access request), for ``days`` from now."""
    terms = GrantTerms(epsilon, delta, utcnow() + timedelta(days=days), purpose, outputs)
    return issue(session, creator_id, dataset_id, consumer_id, terms)


def refusal(grant: Grant, output: str, now: datetime) -> Forbidden:
    """Why ``grant`` cannot be used now, for the consumer."""
    if grant.revoked_at is not None:
        reason = grant.revoke_reason or "no reason given"
        return Forbidden(
            f"your {output} grant {grant.id} was revoked at "
            f"{aware(grant.revoked_at).isoformat()}: {reason}",
            grant_id=grant.id,
            grant_state="revoked",
        )
    return Forbidden(
        f"your {output} grant {grant.id} expired at {aware(grant.expires_at).isoformat()}; "
        "file a new access request",
        grant_id=grant.id,
        grant_state="expired",
    )


def find_active(
    session: Session, dataset_id: str, consumer_id: str, output: str, now: datetime
) -> Grant:
    """The newest active grant covering ``output``, or a 403 saying why there is none."""
    covering = [
        grant
        for grant in repo.consumer_grants(session, dataset_id, consumer_id)
        if output in grant.outputs
    ]
    active = [grant for grant in covering if grant.state(now) == "active"]
    if active:
        return active[-1]
    if covering:
        raise refusal(covering[-1], output, now)
    raise Forbidden(
        f"you hold no {output} grant on dataset {dataset_id}; file an access request first"
    )


def owned_grant(session: Session, actor: Actor, grant_id: str) -> Grant:
    """A grant on one of the agency's own datasets (404 for any other organisation)."""
    grant = repo.grant(session, grant_id)
    dataset = session.get(Dataset, grant.dataset_id) if grant else None
    if grant is None or dataset is None or dataset.org_id != actor.org_id:
        raise NotFound(f"grant {grant_id} does not exist")
    return grant


def revoke(session: Session, actor: Actor, grant_id: str, reason: str) -> Grant:
    """``approved → revoked``: every later use is refused with ``reason``."""
    grant = owned_grant(session, actor, grant_id)
    now = utcnow()
    state = grant.state(now)
    if state != "active":
        raise Conflict(f"grant {grant_id} is already {state}")
    grant.revoked_at, grant.revoke_reason = now, reason
    if grant.access_request_id is not None:
        request = session.get(AccessRequest, grant.access_request_id)
        if request is not None:
            request.state = "revoked"
    session.flush()
    return grant
