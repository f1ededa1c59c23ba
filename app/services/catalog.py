"""The catalog: what consumers may ask for — sanitized schema, policy summary, mock sample."""

from typing import Any

from sqlalchemy.orm import Session

from app.db.paging import keyset_page
from app.errors import NotFound
from app.repositories import release as release_repo
from app.repositories.release import Listing
from app.services import release_view
from app.services.mock_sample import mock_sample
from app.services.release_view import PublishedView
from app.services.row_cache import RowCache
from policies.schema import Policy

FUNCTIONS = ("count", "sum", "mean", "quantile", "histogram")


def page(
    session: Session, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    rows, cursor = keyset_page(
        release_repo.listings(session, after, limit + 1), limit, lambda row: row.pointers.dataset_id
    )
    entries = [_entry(session, listing) for listing in rows]
    return [entry for entry in entries if entry is not None], cursor


def one(session: Session, dataset_id: str) -> dict[str, Any]:
    listing = release_repo.listing(session, dataset_id)
    entry = _entry(session, listing) if listing is not None else None
    if entry is None:
        raise NotFound(f"dataset {dataset_id} is not in the catalog")
    return entry


def _entry(session: Session, listing: Listing) -> dict[str, Any] | None:
    found = listing.pointers
    published = release_view.published(session, found)
    policy = release_view.policy(session, found)
    if published is None or policy is None:
        return None
    static = _STATIC.get(
        (found.dataset_id, found.published_key, found.policy_key),
        lambda: _static_part(found.dataset_id, published, policy),
    )
    remaining = round(max(found.epsilon_remaining, 0.0), 12)
    budget = {**static["policy"]["budget"], "epsilon_remaining": remaining}
    return {  # shares the cached parts (read only), with this request's budget
        "dataset_id": found.dataset_id,
        "name": listing.name,
        "description": listing.description,
        "agency": {"org_id": listing.org_id, "name": listing.org_name},
        **static,
        "policy": {**static["policy"], "budget": budget},
    }


# The parts of an entry that only change with a new publication or a new policy.
_STATIC: RowCache[dict[str, Any]] = RowCache()


def _static_part(dataset_id: str, published: PublishedView, policy: Policy) -> dict[str, Any]:
    columns = list(published.columns)
    return {
        "version": published.version,
        "published_at": published.created_at.isoformat(),
        "columns": [{"name": c["name"], "type": c["type"]} for c in columns],
        "policy": summary(policy, 0.0),
        "mock_sample": mock_sample(
            f"{dataset_id}/{published.version}", columns, policy, published.plan
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
