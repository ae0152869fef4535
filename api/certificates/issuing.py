"""Issuing, ending and verifying birth-service certificates.

A certificate number is readable and carries the county of the household region
(`420202-2026-000017`: county, year, serial). The verification code is 8 characters from
an alphabet without look-alikes (about 40 bits), shown once when the certificate is issued
and printed on it; only its Argon2id hash is kept, so a leaked database does not yield codes.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.models import BirthServiceApplication, BirthServiceCertificate
from api.models.birth_service_certificate import CertificateStatus
from api.models.types import utcnow
from api.security.passwords import decoy_hash, hash_secret, verify_secret

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8
_NUMBER_ATTEMPTS = 5


def new_verification_code() -> str:
    """A fresh random code, shown as two groups: `7KQ2-M9XD`."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalized_code(code: str) -> str:
    """The code as typed, without separators and case: `7kq2 m9xd` → `7KQ2M9XD`."""
    return "".join(c for c in code.upper() if c.isalnum())


def mask_name(name: str) -> str:
    """The holder's name as verification shows it: the first character, then stars (周*)."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _next_number(session: Session, county: str, year: int) -> str:
    prefix = f"{county}-{year}-"
    last = session.exec(
        select(BirthServiceCertificate.certificate_no)
        .where(col(BirthServiceCertificate.certificate_no).startswith(prefix, autoescape=True))
        .order_by(col(BirthServiceCertificate.certificate_no).desc())
        .limit(1)
    ).first()
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


@dataclass(frozen=True)
class Issued:
    """A new certificate and its code, which exists in plain text only in this answer."""

    certificate: BirthServiceCertificate
    code: str


def issue_certificate(
    session: Session, application: BirthServiceApplication, *, issued_by: str, today: date
) -> Issued:
    """Store a new certificate for `application`, numbered in its county and year."""
    code = new_verification_code()
    code_hash = hash_secret(normalized_code(code))
    county = application.household_region[:6]
    for attempt in range(_NUMBER_ATTEMPTS):
        certificate = BirthServiceCertificate(
            certificate_no=_next_number(session, county, today.year),
            application_id=application.id,
            code_hash=code_hash,
            issued_on=today,
            issued_by=issued_by,
        )
        try:
            # Two issues racing for the next serial: the loser retries with the one after.
            with session.begin_nested():
                session.add(certificate)
                session.flush()
            return Issued(certificate, code)
        except IntegrityError:
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def current_certificate(
    session: Session, application: BirthServiceApplication
) -> BirthServiceCertificate | None:
    """The certificate in force for `application`, if any."""
    if application.certificate_no is None:
        return None
    return session.exec(
        select(BirthServiceCertificate).where(
            BirthServiceCertificate.certificate_no == application.certificate_no
        )
    ).first()


def end_certificate(
    session: Session,
    application: BirthServiceApplication,
    status: CertificateStatus,
    reason: str | None,
) -> None:
    """Mark the application's certificate revoked or replaced; verification then says so."""
    certificate = current_certificate(session, application)
    if certificate is None or certificate.status != CertificateStatus.VALID.value:
        return
    certificate.status = status.value
    certificate.ended_at = utcnow()
    certificate.ended_reason = reason
    session.add(certificate)


@dataclass(frozen=True)
class Verification:
    """The public answer (exactly these four fields) and, for the audit, what was matched."""

    valid: bool
    issued_on: date | None
    holder_name_masked: str | None
    status: str | None
    certificate_id: str | None = None
    application: BirthServiceApplication | None = None

    def answer(self) -> dict[str, object]:
        """The body of `GET /v1/certificates/verify`."""
        return {
            "valid": self.valid,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "holder_name_masked": self.holder_name_masked,
            "status": self.status,
        }


NOT_VERIFIED = Verification(False, None, None, None)


def verify_certificate(session: Session, *, certificate_no: str, code: str) -> Verification:
    """Check a number and code; a wrong pair reveals nothing, not even that the number exists."""
    certificate = session.exec(
        select(BirthServiceCertificate).where(
            BirthServiceCertificate.certificate_no == certificate_no.strip().upper()
        )
    ).first()
    # An unknown number costs the same hash as a known one, so timing tells nothing either.
    stored = certificate.code_hash if certificate is not None else decoy_hash()
    if not verify_secret(stored, normalized_code(code)) or certificate is None:
        return NOT_VERIFIED
    application = session.get(BirthServiceApplication, certificate.application_id)
    if application is None:
        return NOT_VERIFIED
    return Verification(
        valid=certificate.status == CertificateStatus.VALID.value,
        issued_on=certificate.issued_on,
        holder_name_masked=mask_name(application.applicant_name),
        status=certificate.status,
        certificate_id=certificate.id,
        application=application,
    )
