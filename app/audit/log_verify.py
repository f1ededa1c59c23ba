"""``/v1/audit/verify`` and ``pazhou audit verify``: the chain, every stored checkpoint's
signature and root, and a tail that no checkpoint may outgrow."""

from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from app.audit.checkpoints import as_dict as checkpoint_dict
from app.audit.sealer import seal_quietly
from app.audit.signing import load_public_pem
from app.audit.walk import Start, Verdict, truncated, walk
from app.db.session import Database
from app.repositories import audit_tree as tree_repo
from app.repositories.audit import EventFilter, as_dict, stream_events

PAGE = 5000


def verify_log(db: Database) -> Verdict:
    """Recompute every hash, link and signed root from the stored rows, oldest first."""
    seal_quietly(db.engine)
    with db.reading() as session:
        checkpoints = [checkpoint_dict(row) for row in tree_repo.checkpoints(session)]
        keys = trusted_keys(session)
        events = _with_stored_leaves(session, stream_events(session, EventFilter(), PAGE))
        verdict, beyond = walk(Start(), events, checkpoints, keys)
    return truncated(verdict, beyond, verdict.checked)


def trusted_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    return {row.key_id: load_public_pem(row.public_key_pem) for row in tree_repo.keys(session)}


def _with_stored_leaves(
    session: Session, events: Iterator[Any]
) -> Iterator[tuple[dict[str, Any], bytes | None]]:
    leaves = _stored_leaves(session)
    current: tuple[int, bytes] | None = next(leaves, None)
    for event in events:
        row = as_dict(event)
        index = int(row["seq"]) - 1
        while current is not None and current[0] < index:
            current = next(leaves, None)
        yield row, current[1] if current is not None and current[0] == index else None


def _stored_leaves(session: Session) -> Iterator[tuple[int, bytes]]:
    after = 0
    while True:
        page = tree_repo.stored_leaves(session, after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1][0] + 1
