"""grants budgets query ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset_budgets",
        sa.Column("dataset_id", sa.String(length=40), nullable=False),
        sa.Column("epsilon_total", sa.Float(), nullable=False),
        sa.Column("epsilon_spent", sa.Float(), nullable=False),
        sa.Column("delta_total", sa.Float(), nullable=False),
        sa.Column("delta_spent", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_dataset_budgets_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_dataset_budgets")),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("dataset_id", sa.String(length=40), nullable=False),
        sa.Column("consumer_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("epsilon_total", sa.Float(), nullable=False),
        sa.Column("epsilon_spent", sa.Float(), nullable=False),
        sa.Column("delta_total", sa.Float(), nullable=False),
        sa.Column("delta_spent", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["principals.id"], name=op.f("fk_grants_consumer_id_principals")
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_grants_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
    )
    op.create_index(op.f("ix_grants_consumer_id"), "grants", ["consumer_id"], unique=False)
    op.create_index(op.f("ix_grants_dataset_id"), "grants", ["dataset_id"], unique=False)
    op.create_table(
        "query_ledger",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("dataset_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("query_hash", sa.String(length=64), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_query_ledger_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_query_ledger_grant_id_grants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_ledger")),
    )
    op.create_index(op.f("ix_query_ledger_grant_id"), "query_ledger", ["grant_id"], unique=False)
    op.create_index(
        op.f("ix_query_ledger_query_hash"), "query_ledger", ["query_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_query_ledger_query_hash"), table_name="query_ledger")
    op.drop_index(op.f("ix_query_ledger_grant_id"), table_name="query_ledger")
    op.drop_table("query_ledger")
    op.drop_index(op.f("ix_grants_dataset_id"), table_name="grants")
    op.drop_index(op.f("ix_grants_consumer_id"), table_name="grants")
    op.drop_table("grants")
    op.drop_table("dataset_budgets")
