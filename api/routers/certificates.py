"""Certificates of birth-service applications: the PDF, the signed credential, and the
public verification (no token; rate-limited per client address; every attempt audited)."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from api.access.policy import Department, Purpose
from api.access.principal import Access, ActorType, tokenless_access
from api.access.throttle import app_throttle, client_address
from api.applications.kind import APPLICATIONS
from api.certificates.documents import certificate_jws, certificate_pdf
from api.certificates.issuing import verify_certificate
from api.deps import ApplicationsRead, SessionDep, SettingsDep, SigningKeyDep
from api.errors import problem_response
from api.journal.audit import record_access
from api.journal.subjects import person_ids_for
from api.models import BirthServiceApplication
from api.models.birth_service_certificate import VerificationOut
from api.records.core import visible_record
from api.routers.application_docs import APPLICATIONS_TAG, CERTIFICATES_TAG, texts
from api.routers.openapi import problems

router = APIRouter(prefix="/birth-service-applications", tags=[APPLICATIONS_TAG])
public_router = APIRouter(tags=[CERTIFICATES_TAG])
PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
JWS = {
    "application/jose": {
        "schema": {"type": "string", "description": "Compact JWS (header.payload.signature)"}
    }
}

VerificationCode = Annotated[
    str | None,
    Header(
        alias="X-Verification-Code",
        max_length=16,
        description="The code from the answer to issue: printed on the PDF only if given.",
    ),
]


def _audited(
    session: SessionDep, application_id: str, access: Access, action: str
) -> BirthServiceApplication:
    row = visible_record(session, APPLICATIONS, application_id, access)
    record_access(
        session,
        access,
        action=action,
        resource=APPLICATIONS.resource,
        record_ids=[row.id],
        person_ids=person_ids_for(session, [row.applicant_id_number, row.spouse_id_number]),
    )
    return row


@router.get(
    "/{application_id}/certificate.pdf",
    response_class=Response,
    responses={200: {"content": PDF}, **problems(409)},
    **texts("pdf"),
)
def pdf(
    application_id: str,
    session: SessionDep,
    access: ApplicationsRead,
    settings: SettingsDep,
    code: VerificationCode = None,
) -> Response:
    row = _audited(session, application_id, access, "certificate-pdf")
    document = certificate_pdf(session, row, settings=settings, code=code)
    name = f"birth-service-certificate-{row.certificate_no}.pdf"
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{application_id}/certificate.jws",
    response_class=Response,
    responses={200: {"content": JWS}, **problems(409)},
    **texts("jws"),
)
def jws(
    application_id: str,
    session: SessionDep,
    access: ApplicationsRead,
    settings: SettingsDep,
    key: SigningKeyDep,
) -> Response:
    row = _audited(session, application_id, access, "certificate-jws")
    return Response(
        certificate_jws(session, row, settings=settings, key=key), media_type="application/jose"
    )


def _public_access(address: str) -> Access:
    # An anonymous caller: the answer is given under the health commission's authority,
    # for a citizen's (or a third party's) request.
    return tokenless_access(
        ActorType.PUBLIC,
        subject=f"public:{address}",
        department=Department.HEALTH_COMMISSION,
        region="000000",
        purpose=Purpose.CITIZEN_REQUEST,
    )


@public_router.get("/v1/certificates/verify", response_model=VerificationOut, **texts("verify"))
def verify(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    certificate_no: Annotated[str, Query(min_length=1, max_length=32)],
    code: Annotated[str, Query(min_length=1, max_length=16)],
) -> Response:
    address = client_address(request)
    access = _public_access(address)
    throttle = app_throttle(
        request,
        "certificate-verify",
        limit=settings.verify_rate_limit,
        window_seconds=settings.verify_rate_window_seconds,
    )
    decision = throttle.hit(address)
    if not decision.allowed:
        record_access(
            session,
            access,
            action="verify",
            resource="certificates",
            record_ids=[],
            outcome="denied",
        )
        return problem_response(
            request,
            status=429,
            slug="too-many-requests",
            title="Too many requests",
            detail="核验次数过多，请稍后再试（Too many verification attempts）。",
            headers=decision.headers(),
        )
    result = verify_certificate(session, certificate_no=certificate_no, code=code)
    holder = result.application
    record_access(
        session,
        access,
        action="verify",
        resource="certificates",
        record_ids=[result.certificate_id] if result.certificate_id else [],
        person_ids=person_ids_for(session, [holder.applicant_id_number]) if holder else [],
        outcome="success" if result.certificate_id else "denied",
    )
    return JSONResponse(result.answer(), headers=decision.headers())
