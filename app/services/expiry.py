"""``approved → expired``: recorded once per grant, with its audit event, by whoever sees it first.

The job worker sweeps while idle, and any refused use of an expired grant settles it too, so the
transition is on the record even when nobody calls again.
"""

from sqlalchemy.orm import Session

from app.db.base import aware, utcnow
from app.db.models import AccessRequest, Grant
from app.db.session import Database
from app.errors import Forbidden
from app.repositories import budget as repo
from app.repositories.audit import NewEvent, append
from app.services import grants


def expire_due(db: Database) -> int:
    """Record every grant whose expiry has passed; how many this call recorded."""
    now = utcnow()
    with db.reading() as session:
        if not repo.due_for_expiry(session, now):
            return 0
    recorded = 0
    with db.transaction() as session:
        for grant in repo.due_for_expiry(session, now):
            if repo.mark_expired(session, grant.id, now):
                _close_request(session, grant)
                append(session, _event(grant))
                recorded += 1
    return recorded


def _close_request(session: Session, grant: Grant) -> None:
    if grant.access_request_id is None:
        return
    request = session.get(AccessRequest, grant.access_request_id)
    if request is not None and request.state == "approved":
        request.state = "expired"


def _event(grant: Grant) -> NewEvent:
    return NewEvent(
        action="grants.expire",
        resource=f"grant/{grant.id}",
        outcome=200,
        actor=None,
        role="system",
        dataset_id=grant.dataset_id,
        client="worker",
        details={
            "grant_id": grant.id,
            "consumer_id": grant.consumer_id,
            "purpose": grant.purpose,
            "expires_at": aware(grant.expires_at).isoformat(),
        },
    )


def active_grant(db: Database, dataset_id: str, consumer_id: str, output: str) -> Grant:
    """The consumer's active grant for ``output``; a refusal with its reason otherwise.

    Refusing an expired grant records its expiry first, so the transition is on the record.
    """
    try:
        with db.reading() as session:
            return grants.find_active(session, dataset_id, consumer_id, output, utcnow())
    except Forbidden as refusal:
        note_refusal(db, refusal)
        raise


def note_refusal(db: Database, refusal: Forbidden) -> None:
    """A grant refused for having expired: record its expiry (once), so it is on the record."""
    if refusal.extra.get("grant_state") == "expired":
        expire_due(db)


def still_active(db: Database, grant_id: str, output: str) -> Grant:
    """This very grant, if it is still active; its refusal (expiry recorded) otherwise."""
    with db.reading() as session:
        grant = session.get(Grant, grant_id)
    if grant is None:
        raise Forbidden(f"grant {grant_id} no longer exists")
    now = utcnow()
    if grant.state(now) == "active":
        return grant
    if grant.state(now) == "expired":
        expire_due(db)
    raise grants.refusal(grant, output, now)
