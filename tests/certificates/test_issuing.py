"""Certificate numbers, verification codes (kept only hashed) and verification answers."""

import re
from datetime import date

from sqlmodel import Session, select

from api.certificates.documents import issuing_authority, verification_url
from api.certificates.issuing import (
    CODE_ALPHABET,
    Issued,
    end_certificate,
    issue_certificate,
    mask_name,
    new_verification_code,
    normalized_code,
    verify_certificate,
)
from api.models import BirthServiceApplication, BirthServiceCertificate
from api.models.birth_service_certificate import CertificateStatus
from tests.factories import id_number


def _application(session: Session, region: str = "420202") -> BirthServiceApplication:
    app = BirthServiceApplication(
        applicant_id_number=id_number(),
        applicant_name="周芳",
        applicant_phone="13800138000",
        child_order=1,
        household_region=region,
        residence_region=region,
        channel="online",
        status="issued",
        source="health_commission",
    )
    session.add(app)
    session.flush()
    return app


def test_codes_are_short_unguessable_and_typed_forgivingly() -> None:
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(f"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}", code)
    assert normalized_code(" 7kq2-m9xd ") == "7KQ2M9XD"
    assert mask_name("周芳") == "周*" and mask_name("阿卜杜·热合曼") == "阿******"


def _issue(session: Session, day: date, region: str = "420202") -> Issued:
    return issue_certificate(session, _application(session, region), issued_by="r", today=day)


def test_numbers_carry_the_county_and_year_and_count_up(session: Session) -> None:
    first = _issue(session, date(2026, 5, 1))
    second = _issue(session, date(2026, 5, 2))
    elsewhere = _issue(session, date(2026, 5, 2), "420281001")
    next_year = _issue(session, date(2027, 1, 1))

    assert first.certificate.certificate_no == "420202-2026-000001"
    assert second.certificate.certificate_no == "420202-2026-000002"
    assert elsewhere.certificate.certificate_no == "420281-2026-000001"
    assert next_year.certificate.certificate_no == "420202-2027-000001"


def test_only_a_hash_of_the_code_is_stored(session: Session) -> None:
    issued = _issue(session, date(2026, 5, 1))

    stored = session.exec(select(BirthServiceCertificate)).one()
    assert issued.code not in stored.code_hash
    assert normalized_code(issued.code) not in stored.code_hash
    assert stored.code_hash.startswith("$argon2")


def test_verification_answers(session: Session) -> None:
    app = _application(session)
    issued = issue_certificate(session, app, issued_by="r", today=date(2026, 5, 1))
    app.certificate_no = issued.certificate.certificate_no
    number = issued.certificate.certificate_no

    right = verify_certificate(session, certificate_no=number, code=issued.code)
    assert right.answer() == {
        "valid": True,
        "issued_on": "2026-05-01",
        "holder_name_masked": "周*",
        "status": "valid",
    }
    nothing = {"valid": False, "issued_on": None, "holder_name_masked": None, "status": None}
    assert verify_certificate(session, certificate_no=number, code="2222-2222").answer() == nothing
    assert verify_certificate(session, certificate_no="x", code=issued.code).answer() == nothing

    end_certificate(session, app, CertificateStatus.REVOKED, "撤回")
    revoked = verify_certificate(session, certificate_no=number, code=issued.code).answer()
    assert revoked["valid"] is False and revoked["status"] == "revoked"


def test_the_issuing_authority_and_the_verification_url() -> None:
    assert issuing_authority("420202") == "黄石市黄石港区卫生健康局"
    assert issuing_authority("420281001") == "黄石市大冶市卫生健康局"
    assert issuing_authority("110101") == "北京市东城区卫生健康局"
    assert issuing_authority("420200") == "黄石市卫生健康委员会"
    assert verification_url("https://v.example/", "420202-2026-000001", "ABCD-EFGH") == (
        "https://v.example/portal/verify.html?certificate_no=420202-2026-000001&code=ABCD-EFGH"
    )
