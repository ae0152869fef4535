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
from pydantic import create_model

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
from api.models.page import VersionOut, named_page
from api.pagination import DEFAULT_LIMIT
from api.records import idempotency
from api.records.core import ListFilters, snapshot
from api.routers.application_docs import (
    APPLICATIONS_TAG,
    CORRECTION_EXAMPLE,
    CREATE_EXAMPLE,
    PATCH_EXAMPLE,
    REISSUE_EXAMPLE,
    REJECTION_EXAMPLE,
    WITHDRAWAL_EXAMPLE,
    examples,
    texts,
)
from api.routers.merge_patch import MERGE_PATCH_JSON, merge_patch_model
from api.routers.openapi import problems
from api.routers.records import (
    ETAG_HEADER,
    LOCATION_HEADER,
    Cursor,
    FilterDate,
    IdempotencyKey,
    IfMatch,
    Limit,
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
    tags=[APPLICATIONS_TAG],
    route_class=ChineseErrorsRoute,
)
ApplicationPatch: Any = merge_patch_model(ApplicationIn)
ApplicationVersion: Any = create_model("ApplicationVersion", __base__=VersionOut[ApplicationOut])
ONE: dict[int | str, dict[str, Any]] = {200: {"headers": ETAG_HEADER}}


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


@router.post(
    "",
    status_code=201,
    response_model=ApplicationOut,
    responses={201: {"headers": {**ETAG_HEADER, **LOCATION_HEADER}}},
    **texts("create"),
)
def create(
    request: Request,
    session: SessionDep,
    access: ApplicationsWrite,
    body: Annotated[ApplicationIn, Body(openapi_examples=examples("create", CREATE_EXAMPLE))],
    idempotency_key: IdempotencyKey = None,
) -> Response:
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


@router.get("", response_model=named_page("ApplicationPage", ApplicationOut), **texts("list"))
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
) -> JSONResponse:
    page = service.list_applications(
        session,
        access=access,
        filters=ListFilters(region, date_from, date_to, status.value if status else None),
        channel=channel.value if channel else None,
        mine=mine,
        limit=limit,
        cursor=cursor,
    )
    items = [shown(r, access) for r in page.items]
    return JSONResponse({"items": items, "next_cursor": page.next_cursor})


@router.get("/{application_id}", response_model=ApplicationOut, responses=ONE, **texts("read"))
def read_one(application_id: str, session: SessionDep, access: ApplicationsRead) -> Response:
    return answer(service.get_application(session, application_id, access=access), access)


@router.patch(
    "/{application_id}",
    response_model=ApplicationOut,
    responses={**ONE, **problems(409, 412, 428)},
    **texts("resubmit"),
)
def resubmit(
    application_id: str,
    session: SessionDep,
    access: ApplicationsWrite,
    patch: Annotated[
        ApplicationPatch,
        Body(media_type=MERGE_PATCH_JSON, openapi_examples=examples("resubmit", PATCH_EXAMPLE)),
    ],
    if_match: IfMatch = None,
) -> Response:
    row = service.resubmit_application(
        session,
        application_id,
        expected_version=parse_if_match(if_match),
        patch=patch.model_dump(mode="json", exclude_unset=True),
        access=access,
    )
    return answer(row, access)


@router.get(
    "/{application_id}/history",
    response_model=named_page("ApplicationHistory", ApplicationVersion),
    **texts("history"),
)
def history(application_id: str, session: SessionDep, access: ApplicationsRead) -> JSONResponse:
    items = [
        VersionOut[dict[str, Any]](
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
    return JSONResponse({"items": items, "next_cursor": None})


TRANSITION_PROBLEMS: dict[int | str, dict[str, Any]] = {**ONE, **problems(409, 412)}


@router.post(
    "/{application_id}/issue",
    response_model=ApplicationOut,
    responses=TRANSITION_PROBLEMS,
    **texts("issue"),
)
def issue(
    application_id: str, session: SessionDep, access: ApplicationsReview, if_match: IfMatch = None
) -> Response:
    outcome = service.issue(
        session, application_id, access=access, expected_version=_version(if_match)
    )
    return answer(outcome.application, access, outcome.verification_code)


@router.post(
    "/{application_id}/request-correction",
    response_model=ApplicationOut,
    responses=TRANSITION_PROBLEMS,
    **texts("request-correction"),
)
def request_correction(
    application_id: str,
    body: Annotated[
        CorrectionRequest,
        Body(openapi_examples=examples("request-correction", CORRECTION_EXAMPLE)),
    ],
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


@router.post(
    "/{application_id}/reject",
    response_model=ApplicationOut,
    responses=TRANSITION_PROBLEMS,
    **texts("reject"),
)
def reject(
    application_id: str,
    body: Annotated[Rejection, Body(openapi_examples=examples("reject", REJECTION_EXAMPLE))],
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


@router.post(
    "/{application_id}/withdraw",
    response_model=ApplicationOut,
    responses=TRANSITION_PROBLEMS,
    **texts("withdraw"),
)
def withdraw(
    application_id: str,
    session: SessionDep,
    access: ApplicationsWrite,
    body: Annotated[
        Withdrawal | None, Body(openapi_examples=examples("withdraw", WITHDRAWAL_EXAMPLE))
    ] = None,
    if_match: IfMatch = None,
) -> Response:
    outcome = service.withdraw(
        session,
        application_id,
        reason=body.reason if body else None,
        access=access,
        expected_version=_version(if_match),
    )
    return answer(outcome.application, access)


@router.post(
    "/{application_id}/reissue",
    response_model=ApplicationOut,
    responses=TRANSITION_PROBLEMS,
    **texts("reissue"),
)
def reissue(
    application_id: str,
    body: Annotated[Reissue, Body(openapi_examples=examples("reissue", REISSUE_EXAMPLE))],
    session: SessionDep,
    access: ApplicationsReview,
    if_match: IfMatch = None,
) -> Response:
    outcome = service.reissue(
        session,
        application_id,
        reason=body.reason,
        access=access,
        expected_version=_version(if_match),
    )
    return answer(outcome.application, access, outcome.verification_code)
