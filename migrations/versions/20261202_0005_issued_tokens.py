"""issued access tokens

Each issued access token's `jti` is recorded with its holder and expiry, so that a token is
revoked by `jti` only by its holder (or an administrator), an unknown `jti` is not stored,
and a lock or a password change revokes every live token of the account.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """Create the issued-token table and its index by holder."""
    op.create_table(
        "issued_token",
        sa.Column("jti", AutoString(length=64), nullable=False),
        sa.Column("subject", AutoString(length=64), nullable=False),
        sa.Column("actor_type", AutoString(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(
        "ix_issued_token_holder",
        "issued_token",
        ["actor_type", "subject", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the issued-token table."""
    op.drop_index("ix_issued_token_holder", table_name="issued_token")
    op.drop_table("issued_token")
