"""Birth-service applications (生育服务登记 网上办理): submit, track, correct and review.

Field errors of these routes are in Chinese (api/applications/messages.py): the portal
shows them to clerks exactly as the API answers them.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from api.access.principal import Access
from api.applications import service
from api.applications.kind import APPLICATIONS
from api.applications.messages import invalid_input
from api.deps import ApplicationsRead, ApplicationsReview, ApplicationsWrite, SessionDep
from api.models import BirthServiceApplication
from api.models.birth_service_application import (
    ApplicationIn,
    ApplicationOut,
    ApplicationStatus,
    Channel,
    CorrectionRequest,
    Reissue,
    Rejection,
    Withdrawal,
)
from api.pagination import DEFAULT_LIMIT
from api.records import idempotency
from api.records.core import ListFilters, snapshot
from api.routers.records import (
    Cursor,
    FilterDate,
    IdempotencyKey,
    IfMatch,
    Limit,
    VersionOut,
    etag,
    parse_if_match,
)
from api.validation import RegionPrefix


class ChineseErrorsRoute(APIRoute):
    """A route whose request validation errors are answered field by field in Chinese."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                # Before authentication the app's handler answers (401 comes first).
                if getattr(request.state, "principal", None) is None:
                    raise
                raise invalid_input(exc.errors()) from None

        return route


router = APIRouter(
    prefix="/birth-service-applications",
    tags=["birth-service-applications"],
    route_class=ChineseErrorsRoute,
)


def shown(row: BirthServiceApplication, access: Access, code: str | None = None) -> dict[str, Any]:
    """An application as the caller may see it, in its JSON form."""
    data = APPLICATIONS.present(snapshot(row), access)
    if code is not None:
        data["verification_code"] = code
    return ApplicationOut.model_validate(data).model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )


def answer(row: BirthServiceApplication, access: Access, code: str | None = None) -> JSONResponse:
    """One application with its ETag."""
    return JSONResponse(shown(row, access, code), headers={"ETag": etag(row.version)})


def _version(if_match: str | None) -> int | None:
    # Transitions accept If-Match to catch a stale screen; without it they just apply.
    return parse_if_match(if_match) if if_match is not None else None


@router.post("", status_code=201, response_model=ApplicationOut, summary="Submit an application")
def create(
    request: Request,
    session: SessionDep,
    access: ApplicationsWrite,
    body: ApplicationIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Submit for a couple; the checks against shared data run at once and are answered.

    An applicant unknown to the registers is accepted with non-pass checks for the
    reviewer; no check concerns the number of children.
    """
    if idempotency_key:
        fingerprint = idempotency.body_fingerprint(body.model_dump(mode="json"))
        earlier = idempotency.claim(session, access, key=idempotency_key, fingerprint=fingerprint)
        if earlier is not None:
            return JSONResponse(earlier.body, earlier.status_code, earlier.headers)
    row = service.create_application(session, body=body, access=access)
    data = shown(row, access)
    headers = {"ETag": etag(row.version), "Location": f"{request.url.path}/{row.id}"}
    if idempotency_key:
        idempotency.remember(
            session, access, key=idempotency_key, status_code=201, body=data, headers=headers
        )
    return JSONResponse(data, 201, headers)


@router.get("", summary="List applications in your jurisdiction")
def list_(
    session: SessionDep,
    access: ApplicationsRead,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status: Annotated[ApplicationStatus | None, Query()] = None,
    region: Annotated[RegionPrefix | None, Query()] = None,
    date_from: FilterDate = None,
    date_to: FilterDate = None,
    channel: Annotated[Channel | None, Query()] = None,
    mine: Annotated[bool, Query(description="only those the caller submitted")] = False,
) -> dict[str, Any]:
    """Oldest submission first; `date_from`/`date_to` bound the day of submission."""
    page = service.list_applications(
        session,
        access=access,
        filters=ListFilters(region, date_from, date_to, status.value if status else None),
        channel=channel.value if channel else None,
        mine=mine,
        limit=limit,
        cursor=cursor,
    )
    return {"items": [shown(r, access) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/{application_id}", response_model=ApplicationOut, summary="Read one application")
def read_one(application_id: str, session: SessionDep, access: ApplicationsRead) -> Response:
    return answer(service.get_application(session, application_id, access=access), access)


@router.patch("/{application_id}", response_model=ApplicationOut, summary="Correct and resubmit")
def resubmit(
    application_id: str,
    session: SessionDep,
    access: ApplicationsWrite,
    patch: Annotated[dict[str, Any], Body(description="JSON merge patch (RFC 7396)")],
    if_match: IfMatch = None,
) -> Response:
    """Answer a correction request: the merge patch is applied, the checks run again and
    the application is `submitted` again. Only an application in `needs_correction`."""
    row = service.resubmit_application(
        session,
        application_id,
        expected_version=parse_if_match(if_match),
        patch=patch,
        access=access,
    )
    return answer(row, access)


@router.get("/{application_id}/history", summary="Every version of an application")
def history(application_id: str, session: SessionDep, access: ApplicationsRead) -> dict[str, Any]:
    items = [
        VersionOut(
            version=v.version,
            action=v.action,
            changed_at=v.changed_at,
            changed_by=v.changed_by,
            department=v.department,
            reason=v.reason,
            record=ApplicationOut.model_validate(APPLICATIONS.present(v.data, access)).model_dump(
                mode="json", by_alias=True, exclude_unset=True
            ),
        ).model_dump(mode="json")
        for v in service.application_history(session, application_id, access=access)
    ]
    return {"items": items, "next_cursor": None}


@router.post("/{application_id}/issue", response_model=ApplicationOut, summary="Issue")
def issue(
    application_id: str, session: SessionDep, access: ApplicationsReview, if_match: IfMatch = None
) -> Response:
    """Issue the certificate: the answer carries `certificate_no`, `issued_on` and the
    `verification_code`, which is shown this once and stored only as a hash."""
    outcome = service.issue(
        session, application_id, access=access, expected_version=_version(if_match)
    )
    return answer(outcome.application, access, outcome.verification_code)


@router.post(
    "/{application_id}/request-correction",
    response_model=ApplicationOut,
    summary="Send back for correction",
)
def request_correction(
    application_id: str,
    body: CorrectionRequest,
    session: SessionDep,
    access: ApplicationsReview,
    if_match: IfMatch = None,
) -> Response:
    outcome = service.request_correction(
        session,
        application_id,
        reasons=body.reasons,
        access=access,
        expected_version=_version(if_match),
    )
    return answer(outcome.application, access)


@router.post("/{application_id}/reject", response_model=ApplicationOut, summary="Reject")
def reject(
    application_id: str,
    body: Rejection,
    session: SessionDep,
    access: ApplicationsReview,
    if_match: IfMatch = None,
) -> Response:
    outcome = service.reject(
        session,
        application_id,
        reason=body.reason,
        access=access,
        expected_version=_version(if_match),
    )
    return answer(outcome.application, access)


@router.post("/{application_id}/withdraw", response_model=ApplicationOut, summary="Withdraw")
def withdraw(
    application_id: str,
    session: SessionDep,
    access: ApplicationsWrite,
    body: Annotated[Withdrawal | None, Body()] = None,
    if_match: IfMatch = None,
) -> Response:
    """Withdraw on the applicant's behalf; a certificate already issued is revoked."""
    outcome = service.withdraw(
        session,
        application_id,
        reason=body.reason if body else None,
        access=access,
        expected_version=_version(if_match),
    )
    return answer(outcome.application, access)


@router.post("/{application_id}/reissue", response_model=ApplicationOut, summary="Reissue (补发)")
def reissue(
    application_id: str,
    body: Reissue,
    session: SessionDep,
    access: ApplicationsReview,
    if_match: IfMatch = None,
) -> Response:
    """Replace the certificate in force by a new number and code; the old one verifies as
    `replaced`."""
    outcome = service.reissue(
        session,
        application_id,
        reason=body.reason,
        access=access,
        expected_version=_version(if_match),
    )
    return answer(outcome.application, access, outcome.verification_code)
