"""access requests, extracts, grant lifecycle

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("dataset_id", sa.String(length=40), nullable=False),
        sa.Column("consumer_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grant_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("access_requests", "consumer_id", "principals"),
        _fk("access_requests", "dataset_id", "datasets"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    for column in ("consumer_id", "dataset_id", "state"):
        op.create_index(
            op.f(f"ix_access_requests_{column}"), "access_requests", [column], unique=False
        )
    op.create_table(
        "extracts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("dataset_id", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("consumer_id", sa.String(length=40), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("extracts", "consumer_id", "principals"),
        _fk("extracts", "dataset_id", "datasets"),
        _fk("extracts", "grant_id", "grants"),
        _fk("extracts", "job_id", "jobs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extracts")),
    )
    for column in ("consumer_id", "dataset_id", "grant_id"):
        op.create_index(op.f(f"ix_extracts_{column}"), "extracts", [column], unique=False)
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("access_request_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("revoke_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("expired_at")
        batch.drop_column("revoke_reason")
        batch.drop_column("access_request_id")
    for column in ("grant_id", "dataset_id", "consumer_id"):
        op.drop_index(op.f(f"ix_extracts_{column}"), table_name="extracts")
    op.drop_table("extracts")
    for column in ("state", "dataset_id", "consumer_id"):
        op.drop_index(op.f(f"ix_access_requests_{column}"), table_name="access_requests")
    op.drop_table("access_requests")
