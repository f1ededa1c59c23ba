"""Use cases behind ``/v1/audit``: checkpoints, proofs and who may see them."""

from typing import Any

from app.audit import report, tree
from app.audit.checkpoints import as_dict
from app.audit.heads import checkpoint
from app.audit.sealer import seal_quietly
from app.audit.signing import SigningKeyError, signer
from app.auth.actor import Actor
from app.config import Settings
from app.db.session import Database
from app.errors import NotFound
from app.repositories import audit as events_repo
from app.repositories import audit_tree as repo
from app.repositories.audit import EventFilter, stream_events
from app.repositories.audit import as_dict as as_event

AUDITORS = ("auditor", "admin")


def checkpoint_at(db: Database, settings: Settings, tree_size: int | None) -> dict[str, Any]:
    """The newest checkpoint (signed first if due), or the newest one for ``tree_size``."""
    if tree_size is None:
        return checkpoint(db, settings)
    with db.reading() as session:
        row = repo.latest_checkpoint(session, tree_size)
    if row is None:
        raise NotFound(f"no checkpoint was signed for a tree of {tree_size} events")
    return as_dict(row)


def sign_now(db: Database, settings: Settings) -> dict[str, Any]:
    """A new checkpoint, whatever the interval (on demand)."""
    return checkpoint(db, settings, force=True)


def checkpoint_list(db: Database, after_id: int, limit: int) -> dict[str, Any]:
    with db.reading() as session:
        rows = repo.checkpoints(session, after_id, limit + 1)
    items = [{"id": row.id, **as_dict(row)} for row in rows[:limit]]
    return {"items": items, "next": items[-1]["id"] if len(rows) > limit else None}


def public_keys(settings: Settings, db: Database, key_id: str | None) -> dict[str, Any]:
    """The current signing key, or any key that signed a stored checkpoint."""
    if key_id is None:
        try:
            key = signer(settings)
        except SigningKeyError as exc:
            raise NotFound(f"no signing key is configured: {exc}") from exc
        return {"key_id": key.key_id, "algorithm": "Ed25519", "pem": key.public_pem}
    with db.reading() as session:
        found = repo.keys(session, [key_id])
    if not found:
        raise NotFound(f"no checkpoint was ever signed by key {key_id}")
    return {"key_id": key_id, "algorithm": "Ed25519", "pem": found[0].public_key_pem}


def inclusion(db: Database, actor: Actor, seq: int, tree_size: int | None) -> dict[str, Any]:
    """Auditors may prove any event; everyone else the events they caused (their receipts)."""
    with db.reading() as session:
        exists, owner = events_repo.event_actor(session, seq)
    if not exists or (actor.role not in AUDITORS and owner != actor.principal_id):
        raise NotFound(f"no audit event {seq} of yours exists")
    size = tree.catch_up(db)
    with db.reading() as session:
        if tree_size is None:
            latest = repo.latest_checkpoint(session)
            tree_size = latest.tree_size if latest and latest.tree_size >= seq else size
        return tree.inclusion_proof(session, seq, tree_size)


def consistency(db: Database, first: int, second: int | None) -> dict[str, Any]:
    size = tree.catch_up(db)
    with db.reading() as session:
        return tree.consistency_proof(session, first, size if second is None else second)


def dataset_report(db: Database, actor: Actor, dataset_id: str) -> dict[str, Any]:
    """Who used the dataset and how; agencies see only their organisation's datasets."""
    seal_quietly(db.engine)
    with db.reading() as session:
        owner = events_repo.dataset_org(session, dataset_id)
        if owner is None or (actor.role not in AUDITORS and owner != actor.org_id):
            raise NotFound(f"dataset {dataset_id} does not exist")
        flt = EventFilter(dataset_id=dataset_id)
        return report.build(dataset_id, (as_event(e) for e in stream_events(session, flt)))
