"""The append-only audit log: one row per event, chained by SHA-256; its Merkle tree and
signed checkpoints."""

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class AuditEvent(Base):
    """Field names are the event's canonical JSON keys (see ``app.audit.chain``).

    ``purpose_sha256`` is a search key (SHA-256 of ``details["purpose"]``) and ``pending_id``
    names the ``audit_pending`` row the event was sealed from (so the process that staged it can
    find its sequence number); neither is part of the hashed event: the chain's formula covers
    ``EVENT_FIELDS`` only.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str | None] = mapped_column(String(40), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    resource: Mapped[str] = mapped_column(String(300))
    dataset_id: Mapped[str | None] = mapped_column(String(40), index=True)
    outcome: Mapped[int] = mapped_column(Integer, index=True)
    client: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pending_id: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)


class AuditPending(Base):
    """An event committed with its action but not yet in the chain (see ``app.audit.sealer``).

    Same columns and limits as ``audit_events`` (so whatever is staged can be sealed); the sealer
    moves rows into the chain in ``id`` order and deletes them. ``id`` is never reused.
    """

    __tablename__ = "audit_pending"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    actor: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(300))
    dataset_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[int] = mapped_column(Integer)
    client: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditNode(Base):
    """A complete (perfect) subtree of the RFC 6962 tree: leaves ``idx * 2**level`` onwards.

    Level 0 holds the leaf hashes. Written by the catch-up step, never changed.
    """

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed tree head; old ones are kept."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[str] = mapped_column(String(32), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(100))


class AuditKey(Base):
    """Every public key that ever signed a checkpoint, so old checkpoints stay verifiable."""

    __tablename__ = "audit_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    first_used: Mapped[str] = mapped_column(String(32))
