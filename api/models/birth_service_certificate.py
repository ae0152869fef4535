"""Birth-service registration certificates (生育服务登记证明) issued for applications.

An application has at most one certificate in force; a reissue replaces it and a withdrawal
after issue revokes it, and both stay here so that verification can say so. The
verification code printed on the certificate is stored only as an Argon2id hash.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from api.models.base import new_id
from api.models.types import UTCDateTime, utcnow


class CertificateStatus(StrEnum):
    """Whether a certificate is still in force."""

    VALID = "valid"
    REVOKED = "revoked"  # the application was withdrawn after issue
    REPLACED = "replaced"  # a reissue gave the application a new certificate


class BirthServiceCertificate(SQLModel, table=True):
    """One issued certificate and its standing."""

    __tablename__ = "birth_service_certificate"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    certificate_no: str = Field(max_length=32, unique=True, index=True)
    application_id: str = Field(max_length=36, index=True)
    code_hash: str = Field(max_length=255)
    issued_on: date
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    issued_by: str = Field(max_length=64)
    status: str = Field(default=CertificateStatus.VALID.value, max_length=16)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_reason: str | None = Field(default=None, max_length=500)


class VerificationOut(BaseModel):
    """The public verification answer: these four fields and nothing else."""

    valid: bool = PydanticField(description="True only for a right code and a valid certificate.")
    issued_on: date | None = PydanticField(description="Null when the number or code is wrong.")
    holder_name_masked: str | None = PydanticField(examples=["周*"])
    status: CertificateStatus | None = PydanticField(
        description="valid, revoked or replaced; null when the number or code is wrong."
    )
