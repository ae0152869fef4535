"""cross-check worker and an actionable worklist

Runs are claimed by worker processes (claimed_by, heartbeat_at, attempts) and report
their progress (phase, percent). Discrepancies remember the latest day a run that found
them looked at (last_seen_as_of, so that a back-dated run never closes them), carry an
assignee, and get comments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """Add the worker's and the worklist's columns, and the comments table."""
    with op.batch_alter_table("crosscheck_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("phase", AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("percent", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(
            "ix_crosscheck_run_status_created_at", ["status", "created_at"], unique=False
        )
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_as_of", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("assignee", AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("assigned_by", AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_discrepancy_assignee"), ["assignee"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_discrepancy_resolved_at"), ["resolved_at"], unique=False
        )
    # What the runs that last saw each discrepancy looked at.
    op.execute(
        "UPDATE discrepancy SET last_seen_as_of = (SELECT r.as_of FROM crosscheck_run r "
        "WHERE r.id = discrepancy.last_seen_run_id)"
    )
    op.create_table(
        "discrepancy_comment",
        sa.Column("id", AutoString(length=36), nullable=False),
        sa.Column("discrepancy_id", AutoString(length=36), nullable=False),
        sa.Column("author", AutoString(length=64), nullable=False),
        sa.Column("department", AutoString(length=32), nullable=False),
        sa.Column("body", AutoString(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["discrepancy_id"], ["discrepancy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discrepancy_comment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discrepancy_comment_discrepancy_id"), ["discrepancy_id"], unique=False
        )


def downgrade() -> None:
    """Drop what the upgrade added."""
    with op.batch_alter_table("discrepancy_comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discrepancy_comment_discrepancy_id"))
    op.drop_table("discrepancy_comment")
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discrepancy_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_discrepancy_assignee"))
        batch_op.drop_column("assigned_by")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assignee")
        batch_op.drop_column("last_seen_as_of")
    with op.batch_alter_table("crosscheck_run", schema=None) as batch_op:
        batch_op.drop_index("ix_crosscheck_run_status_created_at")
        batch_op.drop_column("percent")
        batch_op.drop_column("phase")
        batch_op.drop_column("attempts")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("claimed_by")
