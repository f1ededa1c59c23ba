"""Running a DP query against the budget: reserve in both layers, compute, commit or refund."""

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.config import Settings
from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import QueryRecord
from app.db.session import Database
from app.engine.run import group_stats
from app.repositories import budget as repo
from app.services.queries import BudgetExceeded, Target, budget_left, checked_plan, lookup
from policies import mechanisms
from policies.answer import Answer, assemble
from policies.query import Query
from policies.release import ReleasePlan, expected_half_widths


def _public_keys(plan: ReleasePlan, where: Target) -> list[tuple[Any, ...]] | None:
    if not plan.query.group_by or plan.private_groups:
        return None if plan.query.group_by else [()]
    keys: list[tuple[Any, ...]] = [()]
    for name in plan.query.group_by:
        values = where.policy.columns[name].public_values or ()
        keys = [(*key, str(value)) for key in keys for value in values]
    return keys


def _remaining(session: Session, where: Target) -> dict[str, float]:
    grant = repo.grant(session, where.grant.id)
    budget = repo.dataset_budget(session, where.grant.dataset_id)
    return budget_left(
        grant.epsilon_total - grant.epsilon_spent if grant else None,
        budget.epsilon_total - budget.epsilon_spent if budget else None,
    )


def preview(
    db: Database, settings: Settings, actor: Actor, dataset_id: str, query: Query
) -> dict[str, Any]:
    """Cost and expected 95% half-widths; spends nothing."""
    where, _hash, cached = lookup(db, settings, actor, dataset_id, query)
    plan = checked_plan(query, where)
    widths = expected_half_widths(plan)
    return {
        "epsilon_cost": 0.0 if cached is not None else query.epsilon,
        "delta_cost": 0.0 if cached is not None else query.delta,
        "cached": cached is not None,
        "budget": where.remaining,
        "accuracy": {"confidence": mechanisms.CONFIDENCE, "half_width": widths},
        "split": {key: share.epsilon for key, share in plan.shares.items()},
    }


def compute(plan: ReleasePlan, where: Target) -> Answer:
    """Exact clamped aggregates in the engine, then noise: the whole release, no budget."""
    public = {
        name: where.policy.columns[name].public_values or ()
        for name in plan.query.group_by
        if where.policy.columns[name].public_values is not None
    }
    files = [Path(f) for f in where.files]
    stats = group_stats(plan, where.columns, files, public, timeout=where.timeout)
    keys = _public_keys(plan, where)
    widths = expected_half_widths(plan)
    return assemble(plan, stats, keys, widths, where.policy.min_group_size)


def _reserve(db: Database, where: Target, query: Query, query_hash: str) -> QueryRecord:
    """One transaction, two conditional updates: both layers have room, or nothing changes."""
    try:
        with db.transaction() as session:
            return _reserve_in(session, where, query, query_hash)
    except _NoRoom:
        with db.reading() as session:
            remaining = _remaining(session, where)
        raise BudgetExceeded(
            f"this query needs epsilon {query.epsilon}; not enough budget is left",
            budget=remaining,
        ) from None


class _NoRoom(Exception):
    """Raised inside the reservation transaction so that it rolls back whole."""


def _reserve_in(session: Session, where: Target, query: Query, query_hash: str) -> QueryRecord:
    now, eps, delta = utcnow(), query.epsilon, query.delta
    if not repo.reserve_grant(session, where.grant.id, eps, delta, now):
        raise _NoRoom
    if not repo.reserve_dataset(session, where.grant.dataset_id, eps, delta):
        raise _NoRoom
    record = QueryRecord(
        id=new_id("qry"),
        grant_id=where.grant.id,
        dataset_id=where.grant.dataset_id,
        version=where.version,
        query_hash=query_hash,
        epsilon=query.epsilon,
        delta=query.delta,
        state="reserved",
        created_at=now,
    )
    repo.add(session, record)
    return record


def _refund(db: Database, record: QueryRecord) -> None:
    refund_unreleased(db, record.id)


def refund_unreleased(db: Database, query_id: str) -> None:
    """The answer was never released (its transaction rolled back): give the ε back."""
    with db.transaction() as session:
        live = session.get(QueryRecord, query_id)
        if live is not None and live.state == "reserved":
            repo.refund(session, live)


def run(
    db: Database, session: Session, settings: Settings, actor: Actor, dataset_id: str, query: Query
) -> dict[str, Any]:
    """The answer; ``session`` (the request's) commits the ledger entry with the audit event.

    ``query_hash`` and ``audit`` are for the audit event and are removed before the answer
    leaves.
    """
    # read-only sessions: never take the write lock before the reservation
    where, query_hash, cached = lookup(db, settings, actor, dataset_id, query)
    plan = checked_plan(query, where)
    if cached is not None:
        return {
            **cached,
            "cached": True,
            "epsilon_spent": 0.0,
            "delta_spent": 0.0,
            "budget": where.remaining,
            "query_hash": query_hash,
            "audit": _audit(where),
        }
    record = _reserve(db, where, query, query_hash)
    try:
        answer = compute(plan, where)
    except BaseException:
        _refund(db, record)
        raise
    body = {
        "query_id": record.id,
        "rows": answer.rows,
        "accuracy": {"confidence": mechanisms.CONFIDENCE, "half_width": answer.half_width},
        "suppressed_groups": answer.suppressed_groups,
        "version": where.version,
    }
    live = session.get(QueryRecord, record.id)
    assert live is not None
    live.state, live.answer, live.finished_at = "committed", body, utcnow()
    session.flush()
    return {
        **body,
        "cached": False,
        "epsilon_spent": query.epsilon,
        "delta_spent": query.delta,
        "budget": _remaining(session, where),
        "query_hash": query_hash,
        "audit": _audit(where),
    }


def _audit(where: Target) -> dict[str, Any]:
    """What the audit event keeps of the grant: which one, and the purpose it was given for."""
    return {"grant_id": where.grant.id, "purpose": where.grant.purpose}
