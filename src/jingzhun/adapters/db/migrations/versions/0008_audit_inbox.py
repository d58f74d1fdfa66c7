"""audit inbox (events queued while the chain's head is taken; a head row from the start); work-queue indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("record", sa.String(length=120), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_inbox")),
    )
    # The head exists before the first event, so appenders only ever lock it (never race to create it).
    op.execute(
        "INSERT INTO audit_head (id, seq, hash) SELECT 1, 0, '" + "0" * 64 + "' "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1)"
    )
    op.create_index(
        "ix_cases_open_queue", "cases", ["due_on", "opened_at", "case_id"], postgresql_where=sa.text("NOT closed")
    )
    op.create_index(
        "ix_cases_open_queue_by_division", "cases", ["division_code", "due_on", "opened_at", "case_id"],
        postgresql_where=sa.text("NOT closed"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_cases_open_queue_by_division", table_name="cases")
    op.drop_index("ix_cases_open_queue", table_name="cases")
    op.drop_table("audit_inbox")
