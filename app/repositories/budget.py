"""Budgets: reservations are conditional UPDATEs, so no replica can ever overspend."""

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import DatasetBudget, Grant, QueryRecord

SLACK = 1e-9  # float sums of ε shares (0.1 + 0.2 …) must not refuse the last exact share


def reserve_grant(
    session: Session, grant_id: str, epsilon: float, delta: float, now: datetime
) -> bool:
    result = session.execute(
        update(Grant)
        .where(
            Grant.id == grant_id,
            Grant.revoked_at.is_(None),
            Grant.expires_at > now,
            Grant.epsilon_spent + epsilon <= Grant.epsilon_total + SLACK,
            Grant.delta_spent + delta <= Grant.delta_total + SLACK * 1e-6,
        )
        .values(epsilon_spent=Grant.epsilon_spent + epsilon, delta_spent=Grant.delta_spent + delta)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def reserve_dataset(session: Session, dataset_id: str, epsilon: float, delta: float) -> bool:
    result = session.execute(
        update(DatasetBudget)
        .where(
            DatasetBudget.dataset_id == dataset_id,
            DatasetBudget.epsilon_spent + epsilon <= DatasetBudget.epsilon_total + SLACK,
            DatasetBudget.delta_spent + delta <= DatasetBudget.delta_total + SLACK * 1e-6,
        )
        .values(
            epsilon_spent=DatasetBudget.epsilon_spent + epsilon,
            delta_spent=DatasetBudget.delta_spent + delta,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def refund(session: Session, record: QueryRecord) -> None:
    """Give a failed query's reservation back to both layers."""
    session.execute(
        update(Grant)
        .where(Grant.id == record.grant_id)
        .values(
            epsilon_spent=Grant.epsilon_spent - record.epsilon,
            delta_spent=Grant.delta_spent - record.delta,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DatasetBudget)
        .where(DatasetBudget.dataset_id == record.dataset_id)
        .values(
            epsilon_spent=DatasetBudget.epsilon_spent - record.epsilon,
            delta_spent=DatasetBudget.delta_spent - record.delta,
        )
        .execution_options(synchronize_session=False)
    )
    record.state, record.finished_at = "refunded", utcnow()


def grant(session: Session, grant_id: str) -> Grant | None:
    return session.get(Grant, grant_id)


def dataset_budget(session: Session, dataset_id: str) -> DatasetBudget | None:
    return session.get(DatasetBudget, dataset_id)


def set_dataset_cap(session: Session, dataset_id: str, epsilon: float, delta: float) -> None:
    """A new policy moves the cap; what was spent stays spent."""
    row = session.get(DatasetBudget, dataset_id)
    if row is None:
        session.add(
            DatasetBudget(
                dataset_id=dataset_id,
                epsilon_total=epsilon,
                epsilon_spent=0.0,
                delta_total=delta,
                delta_spent=0.0,
            )
        )
    else:
        row.epsilon_total, row.delta_total = epsilon, delta
    session.flush()


# Built once: on the query path, building the statement cost more than running it.
_CACHED_ANSWER = (
    select(QueryRecord)
    .where(
        QueryRecord.dataset_id == bindparam("dataset_id"),
        QueryRecord.version == bindparam("version"),
        QueryRecord.query_hash == bindparam("query_hash"),
        QueryRecord.state == "committed",
    )
    .order_by(QueryRecord.created_at)
    .limit(1)
)
_GRANTS_OF_CONSUMER = (
    select(Grant)
    .where(Grant.dataset_id == bindparam("dataset_id"), Grant.consumer_id == bindparam("consumer"))
    .order_by(Grant.created_at)
    .execution_options(prepare=True)  # every DP query: planning it cost more than running it
)


def cached_answer(
    session: Session, dataset_id: str, version: int, query_hash: str
) -> QueryRecord | None:
    values = {"dataset_id": dataset_id, "version": version, "query_hash": query_hash}
    return session.scalars(_CACHED_ANSWER, values).first()


def consumer_grants(session: Session, dataset_id: str, consumer_id: str) -> list[Grant]:
    """The consumer's grants on the dataset, oldest first."""
    values = {"dataset_id": dataset_id, "consumer": consumer_id}
    return list(session.scalars(_GRANTS_OF_CONSUMER, values))


def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def due_for_expiry(session: Session, now: datetime) -> list[Grant]:
    """Grants past their expiry whose expiry has not been recorded yet."""
    query = select(Grant).where(
        Grant.expired_at.is_(None), Grant.revoked_at.is_(None), Grant.expires_at <= now
    )
    return list(session.scalars(query.order_by(Grant.expires_at, Grant.id)))


def mark_expired(session: Session, grant_id: str, now: datetime) -> bool:
    """Record the expiry once: True only for the caller whose update won."""
    result = session.execute(
        update(Grant)
        .where(Grant.id == grant_id, Grant.expired_at.is_(None))
        .values(expired_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]
