"""Classification reports, policies and published versions."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from app.db.models import (
    Classification,
    Dataset,
    DatasetBudget,
    DatasetPolicy,
    Organisation,
    PublishedVersion,
)


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


@dataclass(frozen=True)
class Pointers:
    """Which policy and published rows are current for a dataset, and the ε it has left.

    ``published_key`` and ``policy_key`` name those rows uniquely over time (id plus what
    each write changes), for :mod:`app.services.row_cache`.
    """

    dataset_id: str
    published_version: int | None
    published_key: tuple[int, str] | None
    policy_key: tuple[int, str] | None
    epsilon_remaining: float


def _pointers_query() -> Select[str, int | None, int, str, int, str, float]:
    newest_policy = (
        select(func.max(DatasetPolicy.id))
        .where(DatasetPolicy.dataset_id == Dataset.id)
        .correlate(Dataset)
        .scalar_subquery()
    )
    published = and_(
        PublishedVersion.dataset_id == Dataset.id,
        PublishedVersion.version == Dataset.published_version,
    )
    return (
        select(
            Dataset.id,
            Dataset.published_version,
            PublishedVersion.id,
            PublishedVersion.job_id,
            DatasetPolicy.id,
            DatasetPolicy.sha256,
            DatasetBudget.epsilon_total - DatasetBudget.epsilon_spent,
        )
        .outerjoin(PublishedVersion, published)
        .outerjoin(DatasetPolicy, DatasetPolicy.id == newest_policy)
        .outerjoin(DatasetBudget, DatasetBudget.dataset_id == Dataset.id)
    )


# Planning these joins costs PostgreSQL more than running them: prepared once per connection.
_POINTERS = (
    _pointers_query()
    .where(Dataset.id.in_(bindparam("ids", expanding=True)))
    .execution_options(prepare=True)
)


def pointers(session: Session, dataset_ids: Collection[str]) -> dict[str, Pointers]:
    """The current rows of each dataset in ``dataset_ids`` (missing datasets are left out)."""
    rows = session.execute(_POINTERS, {"ids": list(dataset_ids)})
    return {row[0]: _pointers_of(row) for row in rows}


def _pointers_of(row: Sequence[Any]) -> Pointers:
    return Pointers(
        dataset_id=row[0],
        published_version=row[1],
        published_key=(row[2], row[3]) if row[2] is not None else None,
        policy_key=(row[4], row[5]) if row[4] is not None else None,
        epsilon_remaining=row[6] if row[6] is not None else 0.0,
    )


@dataclass(frozen=True)
class Listing:
    """A published dataset as the catalog lists it: names, its agency, its current rows."""

    pointers: Pointers
    name: str
    description: str
    org_id: str
    org_name: str


_LISTINGS = (
    _pointers_query()
    .add_columns(Dataset.name, Dataset.description, Organisation.id, Organisation.name)
    .join(Organisation, Organisation.id == Dataset.org_id)
    .where(Dataset.published_version.is_not(None))
    .order_by(Dataset.id)
    .execution_options(prepare=True)
)
_PAGE = _LISTINGS.where(Dataset.id > bindparam("after")).limit(bindparam("limit"))
_ONE = _LISTINGS.where(Dataset.id == bindparam("dataset_id"))


def listings(session: Session, after: str | None, limit: int) -> list[Listing]:
    """Published datasets after ``after`` (by id), in one statement."""
    rows = session.execute(_PAGE, {"after": after or "", "limit": limit})
    return [_listing(row) for row in rows]


def listing(session: Session, dataset_id: str) -> Listing | None:
    row = session.execute(_ONE, {"dataset_id": dataset_id}).first()
    return _listing(row) if row is not None else None


def _listing(row: Sequence[Any]) -> Listing:
    return Listing(_pointers_of(row), row[7], row[8], row[9], row[10])


def policy_document(session: Session, policy_id: int) -> dict[str, Any]:
    row = session.get(DatasetPolicy, policy_id)
    assert row is not None  # the caller read its id in this session
    return row.document


def published_row(session: Session, published_id: int) -> PublishedVersion:
    row = session.get(PublishedVersion, published_id)
    assert row is not None  # the caller read its id in this session
    return row
