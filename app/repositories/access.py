"""Access requests and extracts: every statement."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.db.models import AccessRequest, Dataset, Extract


def add(session: Session, row: AccessRequest | Extract) -> None:
    session.add(row)
    session.flush()


def request(session: Session, request_id: str) -> AccessRequest | None:
    return session.get(AccessRequest, request_id)


def requests_page(
    session: Session,
    *,
    consumer_id: str | None,
    org_id: str | None,
    filters: dict[str, Any],
    after: str | None,
    limit: int,
) -> list[AccessRequest]:
    """Newest last; ``consumer_id`` / ``org_id`` narrow to one consumer or one agency's datasets."""
    query: Select[tuple[AccessRequest]] = select(AccessRequest)
    if consumer_id is not None:
        query = query.where(AccessRequest.consumer_id == consumer_id)
    if org_id is not None:
        own = select(Dataset.id).where(Dataset.org_id == org_id)
        query = query.where(AccessRequest.dataset_id.in_(own))
    for name, value in filters.items():
        query = query.where(getattr(AccessRequest, name) == value)
    if after is not None:
        query = query.where(AccessRequest.id > after)
    return list(session.scalars(query.order_by(AccessRequest.id).limit(limit)))


def extract(session: Session, extract_id: str) -> Extract | None:
    return session.get(Extract, extract_id)


def extract_by_job(session: Session, job_id: str) -> Extract | None:
    return session.scalars(select(Extract).where(Extract.job_id == job_id)).first()
