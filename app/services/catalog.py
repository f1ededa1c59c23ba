"""The catalog: what consumers may ask for — sanitized schema, policy summary, mock sample."""

from typing import Any

from sqlalchemy.orm import Session

from app.db.models import Dataset, Organisation
from app.db.paging import keyset_page
from app.errors import NotFound
from app.repositories import access as repo
from app.repositories import budget as budget_repo
from app.repositories import release as release_repo
from app.services.mock_sample import mock_sample
from policies.load import parse_mapping
from policies.schema import Policy

FUNCTIONS = ("count", "sum", "mean", "quantile", "histogram")


def page(
    session: Session, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    rows, cursor = keyset_page(
        repo.published_page(session, after, limit + 1), limit, lambda row: row[0].id
    )
    entries = [entry for entry in (_entry(session, d, o) for d, o in rows) if entry is not None]
    return entries, cursor


def one(session: Session, dataset_id: str) -> dict[str, Any]:
    dataset = session.get(Dataset, dataset_id)
    org = session.get(Organisation, dataset.org_id) if dataset else None
    entry = _entry(session, dataset, org) if dataset and org else None
    if entry is None:
        raise NotFound(f"dataset {dataset_id} is not in the catalog")
    return entry


def _entry(session: Session, dataset: Dataset, org: Organisation) -> dict[str, Any] | None:
    if dataset.published_version is None:
        return None
    published = release_repo.published(session, dataset.id, dataset.published_version)
    policy_row = release_repo.current_policy(session, dataset.id)
    if published is None or policy_row is None:
        return None
    policy = parse_mapping(policy_row.document)
    budget = budget_repo.dataset_budget(session, dataset.id)
    return {
        "dataset_id": dataset.id,
        "name": dataset.name,
        "description": dataset.description,
        "agency": {"org_id": org.id, "name": org.name},
        "version": published.version,
        "published_at": published.created_at.isoformat(),
        "columns": [{"name": c["name"], "type": c["type"]} for c in published.columns],
        "policy": summary(policy, budget.epsilon_total - budget.epsilon_spent if budget else 0.0),
        "mock_sample": mock_sample(
            f"{dataset.id}/{published.version}", published.columns, policy, published.plan
        ),
    }


def summary(policy: Policy, dataset_remaining: float) -> dict[str, Any]:
    """What may be asked: statistics, budgets on offer, extract rules."""
    columns = policy.columns.items()
    return {
        "name": policy.name,
        "outputs": ["dp_query", "extract"],
        "statistics": {
            "functions": list(FUNCTIONS),
            "numeric": [
                {"column": name, "lower": rule.lower, "upper": rule.upper}
                for name, rule in columns
                if rule.lower is not None
            ],
            "group_by": [
                {"column": name, "public_values": list(rule.public_values or [])}
                for name, rule in columns
                if rule.group_by
            ],
            "filter": [name for name, rule in columns if rule.filter or rule.group_by],
            "min_group_size": policy.min_group_size,
        },
        "budget": {
            "epsilon_total": policy.epsilon_total,
            "epsilon_remaining": round(max(dataset_remaining, 0.0), 12),
            "delta_total": policy.delta_total,
            "grant_default_epsilon": policy.grant_default_epsilon,
            "max_query_epsilon": policy.max_query_epsilon,
        },
        "extracts": {
            "k_anonymity": policy.extract_k(),
            "quasi_identifiers": list(policy.extracts.quasi_identifiers),
            "l_diversity": policy.extracts.l_diversity,
            "sensitive": list(policy.extracts.sensitive),
            "max_suppression": policy.extracts.max_suppression,
        },
    }
