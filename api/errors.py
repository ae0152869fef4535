"""Typed errors with a status, and the one RFC 9457 problem+json shape for all of them."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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


class TooManyRequests(Problem):
    """429; raise it with the limiter's `Retry-After` and `RateLimit-*` headers."""

    status, slug, title = 429, "too-many-requests", "Too many requests"


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


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
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
