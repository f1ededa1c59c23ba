"""Who sees which budgets: consumers their grants, agencies their datasets, auditors all."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.base import aware, utcnow
from app.db.models import Dataset, DatasetBudget, Grant


def _grant(grant: Grant, now: datetime) -> dict[str, Any]:
    return {
        "grant_id": grant.id,
        "dataset_id": grant.dataset_id,
        "consumer_id": grant.consumer_id,
        "purpose": grant.purpose,
        "outputs": grant.outputs,
        "state": grant.state(now),
        "epsilon_total": grant.epsilon_total,
        "epsilon_spent": grant.epsilon_spent,
        "epsilon_remaining": round(grant.epsilon_total - grant.epsilon_spent, 12),
        "delta_total": grant.delta_total,
        "delta_spent": grant.delta_spent,
        "expires_at": aware(grant.expires_at).isoformat(),
        "revoke_reason": grant.revoke_reason,
    }


def _dataset(row: DatasetBudget) -> dict[str, Any]:
    return {
        "dataset_id": row.dataset_id,
        "epsilon_total": row.epsilon_total,
        "epsilon_spent": row.epsilon_spent,
        "epsilon_remaining": round(row.epsilon_total - row.epsilon_spent, 12),
        "delta_total": row.delta_total,
        "delta_spent": row.delta_spent,
    }


def visible(session: Session, actor: Actor) -> dict[str, Any]:
    """Consumers: their grants (and those datasets' caps); agencies: every grant on their
    datasets and the caps; auditors: everything."""
    now = utcnow()
    grants = select(Grant)
    datasets = select(DatasetBudget)
    if actor.role == "consumer":
        grants = grants.where(Grant.consumer_id == actor.principal_id)
        datasets = datasets.where(
            DatasetBudget.dataset_id.in_(grants.with_only_columns(Grant.dataset_id))
        )
    elif actor.role == "agency":
        own = select(Dataset.id).where(Dataset.org_id == actor.org_id)
        grants = grants.where(Grant.dataset_id.in_(own))
        datasets = datasets.where(DatasetBudget.dataset_id.in_(own))
    return {
        "grants": [_grant(g, now) for g in session.scalars(grants.order_by(Grant.created_at))],
        "datasets": [
            _dataset(d) for d in session.scalars(datasets.order_by(DatasetBudget.dataset_id))
        ],
    }
