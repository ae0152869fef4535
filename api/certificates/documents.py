"""A certificate's documents: the printable PDF and the signed JSON credential (JWS).

The credential is a compact JWS (ES256, `kid` in the header, `typ` `vc+jws`) signed with
the service key through `api.security.tokens`, checkable by anyone holding
`/.well-known/jwks.json`. Its claims:

| claim | meaning |
|---|---|
| `iss` | the service (`VITALX_ISSUER`) |
| `jti` | the certificate's id |
| `sub` | the certificate number (`420202-2026-000017`) |
| `iat`, `nbf` | when it was issued (seconds since the epoch) |
| `type` | `birth-service-registration` |
| `certificate_no`, `issued_on` | number and date of issue (`YYYY-MM-DD`) |
| `issuing_authority` | the county health bureau, in Chinese |
| `holder`, `spouse` | `{name, id_number_masked}` (spouse `null` when none was named) |
| `household_region`, `household_region_name` | GB/T 2260 code and full name |
| `child_order` | the child the registration is for (1, 2, 3 ...) |
| `verify_url` | where the number and printed code are checked, and revocation seen |

A signature proves what was issued; whether it is still in force (not revoked or replaced)
is what the public verification answers.
"""

from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from api.certificates.fonts import load_fonts
from api.certificates.issuing import current_certificate, normalized_code
from api.certificates.pdf import CertificateFacts, render_certificate
from api.config import Settings
from api.errors import Conflict, FieldError, InvalidInput
from api.models import BirthServiceApplication, BirthServiceCertificate
from api.models.birth_service_certificate import CertificateStatus
from api.security.keys import SigningKey
from api.security.passwords import verify_secret
from api.security.tokens import sign_credential
from api.validation import mask_id_number, region_full_name, region_name

CREDENTIAL_TYPE = "birth-service-registration"
VERIFY_PAGE = "/portal/verify.html"
VERIFY_API = "/v1/certificates/verify"


def verification_url(base_url: str, certificate_no: str, code: str | None = None) -> str:
    """The public page that verifies a certificate (with its code, the QR code's target)."""
    query = {"certificate_no": certificate_no} | ({"code": code} if code else {})
    return f"{base_url.rstrip('/')}{VERIFY_PAGE}?{urlencode(query)}"


def issuing_authority(household_region: str) -> str:
    """The county health bureau that issues for a household region (黄石市黄石港区卫生健康局)."""
    county = household_region[:6]
    name = region_name(county) or county
    if county.endswith("00"):
        return f"{name}卫生健康委员会"
    prefecture = region_name(county[:4] + "00")
    if prefecture in (None, "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        prefecture = region_name(county[:2] + "0000") or ""
    return f"{prefecture}{name}卫生健康局"


def issued_certificate(
    session: Session, application: BirthServiceApplication
) -> BirthServiceCertificate:
    """The certificate in force; 409 naming the status when the application has none."""
    certificate = current_certificate(session, application)
    if (
        application.status != "issued"
        or certificate is None
        or certificate.status != CertificateStatus.VALID.value
    ):
        raise Conflict(
            f"The application is {application.status}: it has no certificate in force "
            "(该申请没有有效的生育服务登记证明)。",
            current_status=application.status,
        )
    return certificate


def _masked(id_number: str | None) -> str | None:
    return mask_id_number(id_number) if id_number else None


def certificate_pdf(
    session: Session,
    application: BirthServiceApplication,
    *,
    settings: Settings,
    code: str | None,
) -> bytes:
    """The printable certificate; the code is printed (and put in the QR URL) only if given
    and right, since the service keeps no copy of it."""
    certificate = issued_certificate(session, application)
    if code is not None and not verify_secret(certificate.code_hash, normalized_code(code)):
        raise InvalidInput(
            "The verification code does not belong to this certificate.",
            errors=[FieldError("X-Verification-Code", "核验码与本证明不符")],
        )
    facts = CertificateFacts(
        certificate_no=certificate.certificate_no,
        holder_name=application.applicant_name,
        holder_id_number=mask_id_number(application.applicant_id_number),
        spouse_name=application.spouse_name,
        spouse_id_number=_masked(application.spouse_id_number),
        household_region_name=region_full_name(application.household_region)
        or application.household_region,
        residence_region_name=region_full_name(application.residence_region)
        or application.residence_region,
        child_order=application.child_order,
        expected_due_date=application.expected_due_date,
        issued_on=certificate.issued_on,
        issuing_authority=issuing_authority(application.household_region),
        verification_url=verification_url(
            settings.public_base_url, certificate.certificate_no, code
        ),
        verification_code=code.upper() if code else None,
    )
    return render_certificate(facts, load_fonts(settings.certificate_fonts))


def credential_claims(
    application: BirthServiceApplication, certificate: BirthServiceCertificate, settings: Settings
) -> dict[str, Any]:
    """The claims of the signed credential (see the table above)."""
    issued_at = int(certificate.issued_at.timestamp())
    spouse = None
    if application.spouse_id_number:
        spouse = {
            "name": application.spouse_name,
            "id_number_masked": _masked(application.spouse_id_number),
        }
    return {
        "iss": settings.issuer,
        "jti": certificate.id,
        "sub": certificate.certificate_no,
        "iat": issued_at,
        "nbf": issued_at,
        "type": CREDENTIAL_TYPE,
        "certificate_no": certificate.certificate_no,
        "issued_on": certificate.issued_on.isoformat(),
        "issuing_authority": issuing_authority(application.household_region),
        "holder": {
            "name": application.applicant_name,
            "id_number_masked": _masked(application.applicant_id_number),
        },
        "spouse": spouse,
        "household_region": application.household_region,
        "household_region_name": region_full_name(application.household_region),
        "child_order": application.child_order,
        "verify_url": settings.public_base_url.rstrip("/") + VERIFY_API,
    }


def certificate_jws(
    session: Session,
    application: BirthServiceApplication,
    *,
    settings: Settings,
    key: SigningKey,
) -> str:
    """The certificate in force as a compact JWS signed with the service key."""
    certificate = issued_certificate(session, application)
    return sign_credential(key, credential_claims(application, certificate, settings))
