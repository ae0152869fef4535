"""Typed errors with a status, and the one RFC 9457 problem+json shape for all of them."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.db import unit_of_work
from api.policy import Purpose

PROBLEM_TYPE_BASE = "https://vitalx.local/problems/"
PROBLEM_JSON = "application/problem+json"

logger = logging.getLogger(__name__)


class FieldError(dict[str, str]):
    """One wrong field: `{"field": "mother.id_number", "message": "..."}`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field=field, message=message)


class Problem(Exception):
    """An error the client can act on, rendered as problem+json."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str, *, token_sent: bool = True, **kwargs: Any) -> None:
        # RFC 6750 §3: a request without credentials gets a bare challenge.
        challenge = 'Bearer error="invalid_token"' if token_sent else "Bearer"
        super().__init__(detail, headers={"WWW-Authenticate": challenge}, **kwargs)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class InvalidInput(Problem):
    status, slug, title = 422, "invalid-input", "Invalid input"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(Problem):
    status, slug, title = 428, "precondition-required", "Precondition required"


class TooLarge(Problem):
    status, slug, title = 413, "too-large", "Request too large"


class Locked(Problem):
    status, slug, title = 423, "locked", "Account locked"


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build the problem+json answer every error uses."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "errors": list(errors),
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def field_path(loc: Sequence[int | str]) -> str:
    """Turn a pydantic error location into a dotted field name (`mother.id_number`)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "header", "path", "form")]
    return ".".join(parts) or "body"


# Errors a schema raises with `PydanticCustomError(<type>, <message>, {"fields": [...]})` whose
# message is the whole answer: it becomes the problem's detail, and each field is named.
DETAIL_ERROR_TYPES = frozenset({"fetal_sex_prohibited"})


def validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    """Map pydantic errors to field errors, with messages free of the input's values."""
    errors: list[FieldError] = []
    for err in raw:
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        if err.get("type") in DETAIL_ERROR_TYPES:
            prefix = field_path(err.get("loc", ()))
            for name in (err.get("ctx") or {}).get("fields") or [""]:
                field = ".".join(p for p in (prefix, str(name)) if p and p != "body") or "body"
                errors.append(FieldError(field, message))
            continue
        errors.append(FieldError(field_path(err.get("loc", ())), message))
    return errors


def validation_detail(raw: Sequence[Any], errors: Sequence[FieldError]) -> str:
    """The problem detail for failed validation: a rule's own message, or the fields named."""
    for err in raw:
        if err.get("type") in DETAIL_ERROR_TYPES:
            return str(err.get("msg")) + "."
    return f"The request has invalid fields: {', '.join(e['field'] for e in errors[:5])}."


# Refusals that concern personal data: they are audited with the outcome `denied`.
DENIED_STATUSES = frozenset({403, 404})
_METHOD_ACTIONS = {"POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}


def _resource_and_action(method: str, route_path: str) -> tuple[str, str]:
    # "/births/{record_id}/void" -> ("births", "void"); "/births:import" -> import. The
    # route's path may or may not carry the "/v1" prefix it was included under.
    segments = route_path.removeprefix("/v1").strip("/").split("/")
    resource, _, verb = segments[0].partition(":")
    if not verb and len(segments) > 1 and not segments[-1].startswith("{"):
        verb = segments[-1]
    if not verb and method == "GET":
        verb = "list" if len(segments) == 1 else "read"
    if not verb:
        verb = _METHOD_ACTIONS.get(method, method.lower())
    return resource[:32], verb[:32]


def _audit_denial(request: Request) -> None:
    """Note a refused /v1 request of a known caller, in a transaction of its own."""
    from api.audit import record_denied  # api.audit imports this module

    principal = getattr(request.state, "principal", None)
    path = getattr(request.scope.get("route"), "path", None)
    if principal is None or path is None or not request.url.path.startswith("/v1/"):
        return
    resource, action = _resource_and_action(request.method, path)
    stated = request.headers.get("X-Purpose-Of-Use")
    known = {p.value for p in Purpose}
    default = principal.purposes[0].value if principal.purposes else ""
    record_ids = [str(v)[:64] for k, v in request.path_params.items() if k.endswith("id")]
    try:
        with unit_of_work(request.app.state.engine) as session:
            record_denied(
                session,
                principal,
                purpose=stated if stated in known else default,
                case_id=request.headers.get("X-Case-Id", "")[:64] or None,
                action=action,
                resource=resource,
                record_ids=record_ids,
            )
    except SQLAlchemyError:
        # The refusal stands either way; a log that cannot be written is an operations alarm.
        logger.exception("could not record a denied access to %s", request.url.path)


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    if exc.status in DENIED_STATUSES:
        # The request's own transaction has rolled back; the denial is written on its own.
        await run_in_threadpool(_audit_denial, request)
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    return problem_response(
        request,
        status=422,
        slug="invalid-input",
        title="Invalid input",
        detail=validation_detail(exc.errors(), errors),
        errors=errors,
    )


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    detail = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    return problem_response(
        request,
        status=exc.status_code,
        slug=slug,
        title=detail,
        detail=detail,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        status=500,
        slug="internal-error",
        title="Internal error",
        detail="An unexpected error occurred; it has been logged.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
