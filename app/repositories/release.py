"""Classification reports, policies and published versions."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Classification, DatasetPolicy, PublishedVersion


def classification(session: Session, dataset_id: str, version: int) -> Classification | None:
    query = select(Classification).where(
        Classification.dataset_id == dataset_id, Classification.version == version
    )
    return session.scalars(query).first()


def save_classification(
    session: Session, dataset_id: str, version: int, columns: list[dict[str, Any]]
) -> Classification:
    row = classification(session, dataset_id, version)
    if row is None:
        row = Classification(dataset_id=dataset_id, version=version, columns=columns, overrides={})
        session.add(row)
    else:
        row.columns = columns
    session.flush()
    return row


def current_policy(session: Session, dataset_id: str) -> DatasetPolicy | None:
    query = (
        select(DatasetPolicy)
        .where(DatasetPolicy.dataset_id == dataset_id)
        .order_by(DatasetPolicy.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def published(session: Session, dataset_id: str, version: int) -> PublishedVersion | None:
    query = select(PublishedVersion).where(
        PublishedVersion.dataset_id == dataset_id, PublishedVersion.version == version
    )
    return session.scalars(query).first()


def add(session: Session, row: DatasetPolicy | PublishedVersion) -> None:
    session.add(row)
    session.flush()
