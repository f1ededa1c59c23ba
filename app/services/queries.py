"""DP queries: check, price, reserve, compute, noise, commit (or refund), cache."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.audit.chain import canonical_sha256
from app.auth.actor import Actor
from app.config import Settings
from app.db.models import Dataset, Grant
from app.db.session import Database
from app.errors import AppError, Conflict, InvalidInput, NotFound
from app.repositories import release as release_repo
from app.services import expiry
from app.services.query_limits import query_limits
from app.storage.area import DataArea
from policies.load import parse_mapping
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
    limits: QueryLimits = field(default_factory=QueryLimits)
    timeout: float | None = None  # seconds the engine may take


def canonical_hash(query: Query, version: int) -> str:
    return canonical_sha256({"query": query.model_dump(mode="json"), "version": version})


def target(db: Database, settings: Settings, actor: Actor, dataset_id: str) -> Target:
    """The consumer's grant and the dataset's policy and published data, or a clear refusal."""
    grant = expiry.active_grant(db, dataset_id, actor.principal_id, "dp_query")
    with db.reading() as session:
        policy_row = release_repo.current_policy(session, dataset_id)
        dataset_published = _published(session, dataset_id)
    if policy_row is None:
        raise Conflict("the dataset has no release policy yet")
    version, columns, parts = dataset_published
    area = DataArea(settings.data_dir)
    files = [str(area.absolute(part)) for part in parts]
    policy = parse_mapping(policy_row.document)
    limits, timeout = query_limits(settings), settings.query_timeout_seconds
    return Target(grant, policy, version, columns, files, limits, timeout)


def _published(session: Session, dataset_id: str) -> tuple[int, list[str], list[str]]:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset.published_version is None:
        raise NotFound(f"dataset {dataset_id} is not published")
    row = release_repo.published(session, dataset_id, dataset.published_version)
    if row is None:
        raise NotFound(f"dataset {dataset_id} is not published")
    return row.version, [c["name"] for c in row.columns], list(row.parts)


def checked_plan(query: Query, where: Target) -> ReleasePlan:
    try:
        check(query, where.policy, where.limits)
    except QueryError as exc:
        raise InvalidInput(exc.detail, field=exc.field) from exc
    return plan(query, where.policy)
