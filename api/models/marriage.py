"""Marriage registrations (婚姻登记), written by civil affairs."""

from datetime import date

from sqlmodel import Field

from api.models.base import RecordColumns


class Marriage(RecordColumns, table=True):
    """A marriage, divorce or restored-marriage registration of two parties."""

    __tablename__ = "marriage"

    record_type: str = Field(max_length=16)
    certificate_no: str = Field(max_length=32, unique=True, index=True)
    registered_on: date
    registry_region: str = Field(max_length=12, index=True)
    party_a_id_number: str = Field(max_length=18, index=True)
    party_a_name: str = Field(max_length=64)
    party_b_id_number: str = Field(max_length=18, index=True)
    party_b_name: str = Field(max_length=64)
