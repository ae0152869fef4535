"""seed journal heads

The change feed and each audit hash chain have a head row that appends lock; creating them
here means no two first writers can race to insert one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_CHAINS = 8  # api.journal.append.AUDIT_CHAINS when this revision was written
GENESIS_HASH = "0" * 64
HEADS = ["feed", *(f"audit:{chain}" for chain in range(AUDIT_CHAINS))]

journal_head = sa.table(
    "journal_head",
    sa.column("name", sa.String),
    sa.column("last_seq", sa.Integer),
    sa.column("last_hash", sa.String),
)


def upgrade() -> None:
    """Insert one head per journal."""
    op.bulk_insert(
        journal_head, [{"name": n, "last_seq": 0, "last_hash": GENESIS_HASH} for n in HEADS]
    )


def downgrade() -> None:
    """Remove the heads (only while the journals are empty)."""
    op.execute(journal_head.delete().where(journal_head.c.name.in_(HEADS)))
