"""Heads of the append-only journals: the change feed and the audit hash chains."""

from sqlmodel import Field, SQLModel


class JournalHead(SQLModel, table=True):
    """The last sequence number (and hash) of one journal; locked while appending."""

    __tablename__ = "journal_head"

    name: str = Field(primary_key=True, max_length=32)
    last_seq: int = Field(default=0)
    last_hash: str = Field(default="", max_length=64)
