"""birth-service applications: certificates, and who submitted each application

Certificates get their own table (a reissue replaces one, a withdrawal revokes it, and
verification must still say so); the verification code is kept only as a hash there, so
the application's plain `verification_code` column goes. `created_by` lets staff list the
applications they submitted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 08:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """Add the certificate table and `created_by`; drop the plain verification code."""
    op.create_table(
        "birth_service_certificate",
        sa.Column("id", AutoString(length=36), nullable=False),
        sa.Column("certificate_no", AutoString(length=32), nullable=False),
        sa.Column("application_id", AutoString(length=36), nullable=False),
        sa.Column("code_hash", AutoString(length=255), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("birth_service_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_birth_service_certificate_application_id"),
            ["application_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_birth_service_certificate_certificate_no"),
            ["certificate_no"],
            unique=True,
        )
    with op.batch_alter_table("birth_service_application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_by", AutoString(length=64), nullable=False, server_default="")
        )
        batch_op.create_index(
            batch_op.f("ix_birth_service_application_created_by"), ["created_by"], unique=False
        )
        batch_op.drop_column("verification_code")


def downgrade() -> None:
    """Put the plain column back (empty) and drop the certificates."""
    with op.batch_alter_table("birth_service_application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification_code", AutoString(length=16), nullable=True))
        batch_op.drop_index(batch_op.f("ix_birth_service_application_created_by"))
        batch_op.drop_column("created_by")
    with op.batch_alter_table("birth_service_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_birth_service_certificate_certificate_no"))
        batch_op.drop_index(batch_op.f("ix_birth_service_certificate_application_id"))
    op.drop_table("birth_service_certificate")
