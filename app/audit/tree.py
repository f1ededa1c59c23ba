"""The persisted Merkle tree: catching it up with the log, roots and proofs from stored nodes.

Sealing events into the chain never touches the tree. A catch-up step, run before every
checkpoint, proof and export, first seals what is staged, then hashes the events chained since
and stores the perfect subtrees they complete, in batches, under a lock of its own. A proof
then reads at most ``2·log2(n)`` stored nodes in one query.
"""

from typing import Any

from sqlalchemy.orm import Session

from app.audit.merkle import (
    Frontier,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    nodes_for,
    range_hash,
)
from app.audit.sealer import seal_quietly
from app.db.session import Database
from app.errors import InvalidInput
from app.repositories import audit_tree as repo

BATCH = 20_000


def catch_up(db: Database, batch: int = BATCH) -> int:
    """Extend the stored tree over every committed event; returns its size.

    Stops before a gap or a malformed hash (a damaged log): verification reports those.
    """
    seal_quietly(db.engine)
    while True:
        with db.transaction() as session:
            repo.lock_tree(session)
            size, grown, complete = _extend(session, batch)
        if complete or grown == size:
            return grown


def _extend(session: Session, batch: int) -> tuple[int, int, bool]:
    size = repo.stored_size(session)
    rows = repo.event_hashes(session, size, batch)
    if not rows:
        return size, size, True
    stored = repo.nodes(session, Frontier.keys(size))
    frontier = Frontier(size, [stored[key] for key in Frontier.keys(size)])
    made: list[tuple[int, int, bytes]] = []
    for seq, event_hash in rows:
        leaf = _leaf_or_none(event_hash)
        if seq != frontier.size + 1 or leaf is None:
            repo.add_nodes(session, made)
            return size, frontier.size, True
        made.extend(frontier.append(leaf))
    repo.add_nodes(session, made)
    return size, frontier.size, len(rows) < batch


def _leaf_or_none(event_hash: str) -> bytes | None:
    try:
        raw = bytes.fromhex(event_hash)
    except ValueError:
        return None
    return leaf_hash(event_hash) if len(raw) == 32 else None


def root_at(session: Session, size: int) -> bytes:
    """The root of the first ``size`` leaves (the stored tree must cover them)."""
    return range_hash(0, size, repo.nodes(session, nodes_for([(0, size)])))


def _check_size(name: str, value: int, stored: int) -> None:
    if value > stored:
        raise InvalidInput(
            f"{name} {value} is larger than the log's tree ({stored} events)", field=name
        )


def inclusion_proof(session: Session, seq: int, tree_size: int) -> dict[str, Any]:
    """RFC 6962 audit path of event ``seq`` in the tree of ``tree_size`` leaves."""
    if seq > tree_size:
        raise InvalidInput(f"event {seq} is not in a tree of {tree_size} events", field="seq")
    _check_size("tree_size", tree_size, repo.stored_size(session))
    index, ranges = seq - 1, inclusion_ranges(seq - 1, tree_size)
    nodes = repo.nodes(session, nodes_for([*ranges, (0, tree_size), (index, index + 1)]))
    return {
        "seq": seq,
        "leaf_index": index,
        "tree_size": tree_size,
        "leaf_hash": nodes[(0, index)].hex(),
        "audit_path": [range_hash(a, b, nodes).hex() for a, b in ranges],
        "root_hash": range_hash(0, tree_size, nodes).hex(),
    }


def consistency_proof(session: Session, first: int, second: int) -> dict[str, Any]:
    """RFC 6962 consistency proof that the tree of ``second`` leaves extends ``first``."""
    if first > second:
        raise InvalidInput("first must not be larger than second", field="first")
    _check_size("second", second, repo.stored_size(session))
    ranges = consistency_ranges(first, second)
    nodes = repo.nodes(session, nodes_for([*ranges, (0, first), (0, second)]))
    return {
        "first": first,
        "second": second,
        "first_root": range_hash(0, first, nodes).hex(),
        "second_root": range_hash(0, second, nodes).hex(),
        "proof": [range_hash(a, b, nodes).hex() for a, b in ranges],
    }
