"""DP queries: what a query runs against (grant, policy, published data, cached answer)."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.audit.chain import canonical_sha256
from app.auth.actor import Actor
from app.config import Settings
from app.db.base import utcnow
from app.db.models import Grant
from app.db.session import Database
from app.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from app.repositories import budget as budget_repo
from app.services import expiry, grants, release_view
from app.services.query_limits import query_limits
from app.services.row_cache import RowCache
from app.storage.area import DataArea
from policies.query import Query, QueryError, QueryLimits, check
from policies.release import ReleasePlan, plan
from policies.schema import Policy


class BudgetExceeded(AppError):
    status, error = 409, "BudgetExceeded"


@dataclass(frozen=True)
class Target:
    """What a query runs against: the grant, the policy, the published version."""

    grant: Grant
    policy: Policy
    version: int
    columns: list[str]
    files: list[str]
    remaining: dict[str, float]  # ε left on the grant and the dataset when this was read
    limits: QueryLimits = field(default_factory=QueryLimits)
    timeout: float | None = None  # seconds the engine may take


def budget_left(grant_left: float | None, dataset_left: float | None) -> dict[str, float]:
    """The ``budget`` of an answer: ε left on the grant and on the dataset (0 if no row)."""
    return {
        "grant_remaining": round(grant_left, 12) if grant_left is not None else 0.0,
        "dataset_remaining": round(dataset_left, 12) if dataset_left is not None else 0.0,
    }


def canonical_hash(query: Query, version: int) -> str:
    return canonical_sha256({"query": query.model_dump(mode="json"), "version": version})


# A committed answer is never changed or removed, so once read it is served from here; an
# answer that does not exist yet is always looked for in the database.
_ANSWERS: RowCache[dict[str, Any]] = RowCache(size=4096)


def lookup(
    db: Database, settings: Settings, actor: Actor, dataset_id: str, query: Query
) -> tuple[Target, str, dict[str, Any] | None]:
    """The target, the query's hash and its cached answer (read-only), read in one session."""
    try:
        with db.reading() as session:
            where = _target(session, settings, actor, dataset_id)
            query_hash = canonical_hash(query, where.version)
            cached = _cached_answer(session, dataset_id, where.version, query_hash)
    except Forbidden as refusal:
        expiry.note_refusal(db, refusal)
        raise
    return where, query_hash, cached


def _cached_answer(
    session: Session, dataset_id: str, version: int, query_hash: str
) -> dict[str, Any] | None:
    key = (dataset_id, version, query_hash)
    found = _ANSWERS.find(key)
    if found is None:
        record = budget_repo.cached_answer(session, dataset_id, version, query_hash)
        if record is not None and record.answer is not None:
            found = _ANSWERS.put(key, record.answer)
    return found


def _target(session: Session, settings: Settings, actor: Actor, dataset_id: str) -> Target:
    """The consumer's grant and the dataset's policy and published data, or a clear refusal."""
    grant = grants.find_active(session, dataset_id, actor.principal_id, "dp_query", utcnow())
    found = release_view.pointers(session, dataset_id)
    policy = release_view.policy(session, found) if found else None
    if found is None or policy is None:
        raise Conflict("the dataset has no release policy yet")
    published = release_view.published(session, found)
    if published is None:
        raise NotFound(f"dataset {dataset_id} is not published")
    area = DataArea(settings.data_dir)
    files = [str(area.absolute(part)) for part in published.parts]
    remaining = budget_left(grant.epsilon_total - grant.epsilon_spent, found.epsilon_remaining)
    return Target(
        grant,
        policy,
        published.version,
        published.column_names,
        files,
        remaining,
        query_limits(settings),
        settings.query_timeout_seconds,
    )


def checked_plan(query: Query, where: Target) -> ReleasePlan:
    try:
        check(query, where.policy, where.limits)
    except QueryError as exc:
        raise InvalidInput(exc.detail, field=exc.field) from exc
    return plan(query, where.policy)
