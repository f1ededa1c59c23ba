"""Datasets and versions."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Dataset, DatasetVersion


def get_in_org(
    session: Session, dataset_id: str, org_id: str, lock: bool = False
) -> Dataset | None:
    query = select(Dataset).where(Dataset.id == dataset_id, Dataset.org_id == org_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def name_taken(session: Session, org_id: str, name: str) -> bool:
    query = select(Dataset.id).where(Dataset.org_id == org_id, Dataset.name == name)
    return session.scalars(query).first() is not None


def list_in_org(session: Session, org_id: str, after: str | None, limit: int) -> list[Dataset]:
    query = select(Dataset).where(Dataset.org_id == org_id)
    if after:
        query = query.where(Dataset.id > after)
    return list(session.scalars(query.order_by(Dataset.id).limit(limit)))


def versions(session: Session, dataset_id: str) -> list[DatasetVersion]:
    query = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id)
    return list(session.scalars(query.order_by(DatasetVersion.version)))


def version(session: Session, dataset_id: str, number: int) -> DatasetVersion | None:
    query = select(DatasetVersion).where(
        DatasetVersion.dataset_id == dataset_id, DatasetVersion.version == number
    )
    return session.scalars(query).first()


def add(session: Session, row: Dataset | DatasetVersion) -> None:
    session.add(row)
    session.flush()


def get_by_id(session: Session, dataset_id: str, lock: bool = False) -> Dataset:
    query = select(Dataset).where(Dataset.id == dataset_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one()
