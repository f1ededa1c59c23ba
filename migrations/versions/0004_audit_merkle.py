"""audit merkle tree, checkpoints, signing keys, purpose search key, pending events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_nodes")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index(
        op.f("ix_audit_checkpoints_tree_size"), "audit_checkpoints", ["tree_size"], unique=False
    )
    op.create_index(
        op.f("ix_audit_checkpoints_timestamp"), "audit_checkpoints", ["timestamp"], unique=False
    )
    op.create_table(
        "audit_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("first_used", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_audit_keys")),
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("purpose_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("pending_id", sa.BigInteger(), nullable=True))
        batch.create_index(
            batch.f("ix_audit_events_purpose_sha256"), ["purpose_sha256"], unique=False
        )
        batch.create_index(batch.f("ix_audit_events_pending_id"), ["pending_id"], unique=True)
    _create_pending()
    _backfill_purpose()


def _create_pending() -> None:
    """Events committed with their action, waiting for the sealer to chain them."""
    op.create_table(
        "audit_pending",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=40), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=300), nullable=False),
        sa.Column("dataset_id", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
        sqlite_autoincrement=True,
    )


def _backfill_purpose() -> None:
    """Events written before this revision get their search key too (the hash is unchanged)."""
    events = sa.table(
        "audit_events",
        sa.column("seq", sa.BigInteger()),
        sa.column("details", sa.JSON()),
        sa.column("purpose_sha256", sa.String()),
    )
    bind = op.get_bind()
    keys = []
    for seq, details in bind.execute(sa.select(events.c.seq, events.c.details)):
        purpose = (details or {}).get("purpose")
        if isinstance(purpose, str):
            keys.append({"key": seq, "digest": hashlib.sha256(purpose.encode()).hexdigest()})
    if keys:
        bind.execute(
            events.update()
            .where(events.c.seq == sa.bindparam("key"))
            .values(purpose_sha256=sa.bindparam("digest")),
            keys,
        )


def downgrade() -> None:
    op.drop_table("audit_pending")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index(batch.f("ix_audit_events_pending_id"))
        batch.drop_index(batch.f("ix_audit_events_purpose_sha256"))
        batch.drop_column("pending_id")
        batch.drop_column("purpose_sha256")
    op.drop_table("audit_keys")
    op.drop_index(op.f("ix_audit_checkpoints_timestamp"), table_name="audit_checkpoints")
    op.drop_index(op.f("ix_audit_checkpoints_tree_size"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_nodes")
