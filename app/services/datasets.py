"""Datasets: create, read, list (an agency sees only its own organisation's)."""

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import Dataset, DatasetVersion
from app.db.paging import keyset_page
from app.errors import Conflict, NotFound
from app.repositories import datasets as repo


def create(session: Session, actor: Actor, name: str, description: str) -> Dataset:
    if repo.name_taken(session, actor.org_id, name):
        raise Conflict(f"your organisation already has a dataset named '{name}'", field="name")
    dataset = Dataset(
        id=new_id("ds"),
        org_id=actor.org_id,
        name=name,
        description=description,
        state="empty",
        created_by=actor.principal_id,
        created_at=utcnow(),
    )
    repo.add(session, dataset)
    return dataset


def get_owned(session: Session, actor: Actor, dataset_id: str, lock: bool = False) -> Dataset:
    """The dataset if it belongs to the actor's organisation; 404 otherwise (no existence leak)."""
    dataset = repo.get_in_org(session, dataset_id, actor.org_id, lock=lock)
    if dataset is None:
        raise NotFound(f"dataset {dataset_id} does not exist")
    return dataset


def with_versions(
    session: Session, actor: Actor, dataset_id: str
) -> tuple[Dataset, list[DatasetVersion]]:
    dataset = get_owned(session, actor, dataset_id)
    return dataset, repo.versions(session, dataset.id)


def list_page(
    session: Session, actor: Actor, after: str | None, limit: int
) -> tuple[list[Dataset], str | None]:
    rows = repo.list_in_org(session, actor.org_id, after, limit + 1)
    return keyset_page(rows, limit, lambda row: row.id)
