"""Which persons an audit event touched, so a person's access log is one indexed look-up."""

from sqlalchemy import BigInteger, Column, ForeignKeyConstraint, SmallInteger
from sqlmodel import Field, SQLModel


class AuditSubject(SQLModel, table=True):
    """Links an audit event to one person it concerned."""

    __tablename__ = "audit_subject"
    __table_args__ = (
        ForeignKeyConstraint(
            ["chain", "chain_seq"], ["audit_event.chain", "audit_event.chain_seq"]
        ),
    )

    person_id: str = Field(primary_key=True, max_length=36)
    chain: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    chain_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
