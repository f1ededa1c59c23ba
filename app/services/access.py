"""Access requests: a consumer asks with a purpose; the owning agency approves or denies.

``pending → approved | denied``; an approval issues a grant (possibly with less ε or a shorter
term than asked), and the request then follows its grant to ``expired`` or ``revoked``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.base import aware, utcnow
from app.db.ids import new_id
from app.db.models import AccessRequest, Dataset, Grant
from app.db.paging import keyset_page
from app.errors import Conflict, InvalidInput, NotFound
from app.repositories import access as repo
from app.repositories import release as release_repo
from app.services import grants
from policies.load import parse_mapping


@dataclass(frozen=True)
class Ask:
    dataset_id: str
    purpose: str
    outputs: list[str]
    epsilon: float | None
    delta: float
    days: int


def file(session: Session, actor: Actor, ask: Ask) -> AccessRequest:
    """A consumer's request on a published dataset (anything else is a 404)."""
    dataset = session.get(Dataset, ask.dataset_id)
    policy_row = release_repo.current_policy(session, ask.dataset_id)
    if dataset is None or dataset.published_version is None or policy_row is None:
        raise NotFound(f"dataset {ask.dataset_id} is not in the catalog")
    grants.check_outputs(ask.outputs)
    policy = parse_mapping(policy_row.document)
    epsilon = _asked_epsilon(ask, policy.grant_default_epsilon, policy.epsilon_total)
    if ask.delta > policy.delta_total:
        raise InvalidInput(
            f"delta {ask.delta} exceeds the dataset's total ({policy.delta_total})", field="delta"
        )
    row = AccessRequest(
        id=new_id("req"),
        dataset_id=ask.dataset_id,
        consumer_id=actor.principal_id,
        purpose=ask.purpose,
        outputs=ask.outputs,
        epsilon=epsilon,
        delta=ask.delta,
        days=ask.days,
        state="pending",
        created_at=utcnow(),
    )
    repo.add(session, row)
    return row


def _asked_epsilon(ask: Ask, default: float, total: float) -> float:
    if "dp_query" not in ask.outputs:
        return 0.0 if ask.epsilon is None else ask.epsilon
    epsilon = default if ask.epsilon is None else ask.epsilon
    if epsilon <= 0:
        raise InvalidInput("a dp_query grant needs epsilon > 0", field="epsilon")
    if epsilon > total:
        raise InvalidInput(
            f"epsilon {epsilon} exceeds the dataset's total budget ({total})", field="epsilon"
        )
    return epsilon


def decidable(session: Session, actor: Actor, request_id: str) -> AccessRequest:
    """A pending request on one of the agency's datasets (404 for another organisation)."""
    row = repo.request(session, request_id)
    dataset = session.get(Dataset, row.dataset_id) if row else None
    if row is None or dataset is None or dataset.org_id != actor.org_id:
        raise NotFound(f"access request {request_id} does not exist")
    if row.state != "pending":
        raise Conflict(f"access request {request_id} is already {row.state}")
    return row


def approve(
    session: Session,
    actor: Actor,
    request_id: str,
    epsilon: float | None,
    expires_at: datetime | None,
) -> tuple[AccessRequest, Grant]:
    """Issue the grant: at most the ε and the term that were asked for."""
    row = decidable(session, actor, request_id)
    now = utcnow()
    granted = row.epsilon if epsilon is None else epsilon
    if granted > row.epsilon:
        raise InvalidInput(
            f"epsilon {granted} is more than the {row.epsilon} requested", field="epsilon"
        )
    if "dp_query" in row.outputs and granted <= 0:
        raise InvalidInput("a dp_query grant needs epsilon > 0", field="epsilon")
    until = _term(now, now + timedelta(days=row.days), expires_at)
    terms = grants.GrantTerms(granted, row.delta, until, row.purpose, list(row.outputs), row.id)
    grant = grants.issue(session, actor.principal_id, row.dataset_id, row.consumer_id, terms)
    row.state, row.grant_id = "approved", grant.id
    row.decided_by, row.decided_at = actor.principal_id, now
    session.flush()
    return row, grant


def _term(now: datetime, asked_until: datetime, expires_at: datetime | None) -> datetime:
    if expires_at is None:
        return asked_until
    until = aware(expires_at)
    if until <= now:
        raise InvalidInput("expires_at must be in the future", field="expires_at")
    if until > asked_until:
        raise InvalidInput(
            f"expires_at is later than the term requested ({asked_until.isoformat()})",
            field="expires_at",
        )
    return until


def deny(session: Session, actor: Actor, request_id: str, reason: str) -> AccessRequest:
    """Refuse, with a reason the consumer will read."""
    row = decidable(session, actor, request_id)
    row.state, row.reason = "denied", reason
    row.decided_by, row.decided_at = actor.principal_id, utcnow()
    session.flush()
    return row


def visible(
    session: Session, actor: Actor, filters: dict[str, str], after: str | None, limit: int
) -> tuple[list[AccessRequest], str | None]:
    """Consumers see their own requests, agencies those on their datasets, auditors all."""
    consumer_id = actor.principal_id if actor.role == "consumer" else None
    org_id = actor.org_id if actor.role == "agency" else None
    rows = repo.requests_page(
        session,
        consumer_id=consumer_id,
        org_id=org_id,
        filters=filters,
        after=after,
        limit=limit + 1,
    )
    return keyset_page(rows, limit, lambda row: row.id)


def of(session: Session, actor: Actor, request_id: str) -> AccessRequest:
    """One request, for its consumer, the owning agency or an auditor (404 otherwise)."""
    row = repo.request(session, request_id)
    if row is not None and _may_see(session, actor, row):
        return row
    raise NotFound(f"access request {request_id} does not exist")


def _may_see(session: Session, actor: Actor, row: AccessRequest) -> bool:
    if actor.role == "auditor":
        return True
    if actor.role == "consumer":
        return row.consumer_id == actor.principal_id
    dataset = session.get(Dataset, row.dataset_id)
    return actor.role == "agency" and dataset is not None and dataset.org_id == actor.org_id
