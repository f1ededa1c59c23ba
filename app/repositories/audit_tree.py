"""Storage of the audit log's Merkle tree, checkpoints and signing keys (every SQL statement)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, text
from sqlalchemy.orm import Session

from app.audit.merkle import NodeKey
from app.db.models import AuditCheckpoint, AuditEvent, AuditKey, AuditNode

# Distinct from the chain's lock: building the tree never blocks appends.
_PG_TREE_LOCK = 0x7A686F76


def lock_tree(session: Session) -> None:
    """One tree builder at a time, across processes, until this transaction ends.

    SQLite write sessions already hold the database write lock (``BEGIN IMMEDIATE``).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_TREE_LOCK})


def stored_size(session: Session) -> int:
    """How many leaves the stored tree has (level-0 nodes are written in order, no gaps)."""
    last = session.scalar(select(func.max(AuditNode.idx)).where(AuditNode.level == 0))
    return 0 if last is None else int(last) + 1


def log_size(session: Session) -> int:
    last = session.scalar(select(func.max(AuditEvent.seq)))
    return 0 if last is None else int(last)


def nodes(session: Session, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """The stored hashes of ``keys`` in one round trip (missing keys are left out).

    One ``level = ? AND idx IN (...)`` term per level, so both databases use the primary key
    (SQLite scans the table for a row-value ``IN``).
    """
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, idx in set(keys):
        by_level[level].append(idx)
    if not by_level:
        return {}
    terms = [
        and_(AuditNode.level == level, AuditNode.idx.in_(sorted(idxs)))
        for level, idxs in by_level.items()
    ]
    rows = session.execute(
        select(AuditNode.level, AuditNode.idx, AuditNode.hash).where(or_(*terms))
    )
    return {(row.level, row.idx): bytes(row.hash) for row in rows}


_NODES = cast(Table, AuditNode.__table__)


# PostgreSQL: one statement over three arrays; an executemany ran one statement per node.
_NODES_FROM_ARRAYS = text(
    "INSERT INTO audit_nodes (level, idx, hash) "
    "SELECT * FROM unnest(CAST(:levels AS smallint[]), CAST(:idxs AS bigint[]), "
    "CAST(:hashes AS bytea[]))"
)


def add_nodes(session: Session, made: Sequence[tuple[int, int, bytes]]) -> None:
    """Store new nodes: one statement on PostgreSQL, Core's executemany on SQLite (the ORM's
    bulk insert cost more CPU than the database's work)."""
    if not made:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        levels, idxs, hashes = (list(column) for column in zip(*made, strict=True))
        conn.execute(_NODES_FROM_ARRAYS, {"levels": levels, "idxs": idxs, "hashes": hashes})
        return
    rows = [{"level": level, "idx": idx, "hash": value} for level, idx, value in made]
    conn.execute(insert(_NODES), rows)


def event_hashes(session: Session, after_seq: int, limit: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq > after_seq)
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    return [(int(row.seq), row.hash) for row in rows]


def stored_leaves(session: Session, first_idx: int, limit: int) -> list[tuple[int, bytes]]:
    rows = session.execute(
        select(AuditNode.idx, AuditNode.hash)
        .where(AuditNode.level == 0, AuditNode.idx >= first_idx)
        .order_by(AuditNode.idx)
        .limit(limit)
    )
    return [(int(row.idx), bytes(row.hash)) for row in rows]


def latest_checkpoint(session: Session, tree_size: int | None = None) -> AuditCheckpoint | None:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    if tree_size is not None:
        query = query.where(AuditCheckpoint.tree_size == tree_size)
    return session.scalars(query).first()


def checkpoints(
    session: Session, after_id: int = 0, limit: int | None = None, min_size: int = 0
) -> list[AuditCheckpoint]:
    query = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.id > after_id, AuditCheckpoint.tree_size >= min_size)
        .order_by(AuditCheckpoint.id)
    )
    return list(session.scalars(query if limit is None else query.limit(limit)))


def checkpoints_between(session: Session, low: int, high: int) -> list[AuditCheckpoint]:
    """Checkpoints with ``low ≤ tree_size ≤ high``, oldest first, plus the first one above."""
    within = list(
        session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.tree_size >= low, AuditCheckpoint.tree_size <= high)
            .order_by(AuditCheckpoint.id)
        )
    )
    above = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tree_size > high)
        .order_by(AuditCheckpoint.tree_size, AuditCheckpoint.id)
        .limit(1)
    ).first()
    return [*within, above] if above is not None else within


def add_checkpoint(session: Session, values: dict[str, Any]) -> AuditCheckpoint:
    row = AuditCheckpoint(**values)
    session.add(row)
    session.flush()
    return row


def remember_key(session: Session, key_id: str, pem: str, now: str) -> None:
    if session.get(AuditKey, key_id) is None:
        session.add(AuditKey(key_id=key_id, public_key_pem=pem, first_used=now))
        session.flush()


def keys(session: Session, key_ids: Iterable[str] | None = None) -> list[AuditKey]:
    query = select(AuditKey).order_by(AuditKey.first_used)
    if key_ids is not None:
        query = query.where(or_(AuditKey.key_id.in_(list(key_ids))))
    return list(session.scalars(query))


def window(session: Session, since: str | None, until: str | None) -> tuple[int, int]:
    """The sequence range ``[first, last]`` of events with ``since ≤ time < until``."""
    first = select(func.min(AuditEvent.seq))
    last = select(func.max(AuditEvent.seq))
    if since is not None:
        first, last = first.where(AuditEvent.time >= since), last.where(AuditEvent.time >= since)
    if until is not None:
        first, last = first.where(AuditEvent.time < until), last.where(AuditEvent.time < until)
    low, high = session.scalar(first), session.scalar(last)
    return (int(low), int(high)) if low is not None and high is not None else (1, 0)
