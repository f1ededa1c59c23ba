"""A dataset's current policy and published version, as queries and the catalog read them.

Per request only the pointers are read (one statement: which rows are current, the ε left);
the parsed policy and the published version's description come from :mod:`row_cache`, keyed
by the rows themselves, so a new policy or a new publication is seen by the next request.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.repositories import release as repo
from app.repositories.release import Pointers
from app.services.row_cache import RowCache
from policies.load import parse_mapping
from policies.schema import Policy


@dataclass(frozen=True)
class PublishedView:
    version: int
    columns: tuple[dict[str, Any], ...]
    parts: tuple[str, ...]
    plan: dict[str, Any]
    created_at: datetime

    @property
    def column_names(self) -> list[str]:
        return [column["name"] for column in self.columns]


_POLICIES: RowCache[Policy] = RowCache()
_PUBLISHED: RowCache[PublishedView] = RowCache()


def pointers(session: Session, dataset_id: str) -> Pointers | None:
    return repo.pointers(session, [dataset_id]).get(dataset_id)


def policy(session: Session, found: Pointers) -> Policy | None:
    """The policy in force, parsed (None if the dataset has none)."""
    key = found.policy_key
    if key is None:
        return None
    return _POLICIES.get(key, lambda: parse_mapping(repo.policy_document(session, key[0])))


def published(session: Session, found: Pointers) -> PublishedView | None:
    """The published version consumers see (None if there is none)."""
    key = found.published_key
    if key is None:
        return None
    return _PUBLISHED.get(key, lambda: _view(repo.published_row(session, key[0])))


def _view(row: Any) -> PublishedView:
    return PublishedView(
        version=row.version,
        columns=tuple(row.columns),
        parts=tuple(row.parts),
        plan=row.plan,
        created_at=row.created_at,
    )
