"""Typed errors with a status, and the one RFC 9457 problem+json shape for all of them."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_TYPE_BASE = "https://vitalx.local/problems/"
PROBLEM_JSON = "application/problem+json"

logger = logging.getLogger(__name__)


class FieldError(dict[str, str]):
    """One wrong field: `{"field": "mother.id_number", "message": "..."}`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field=field, message=message)


class ProblemFieldError(BaseModel):
    """One wrong field of a problem (问题字段)."""

    field: str = Field(description="Dotted field name (出错字段), e.g. `mother.id_number`.")
    message: str = Field(description="What is wrong with it (错误说明).")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem (错误说明): the body of every 4xx and 5xx answer.

    Some problems carry more members: a 409 on a duplicate names the existing record's `id`
    (inside the caller's jurisdiction only), the token endpoint adds OAuth's `error` and
    `error_description`, an interrupted import its `progress`.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://vitalx.local/problems/invalid-input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "The request has invalid fields: mother.id_number.",
                    "instance": "/v1/births",
                    "errors": [{"field": "mother.id_number", "message": "wrong check character"}],
                }
            ]
        },
    )

    type: str = Field(description="URI naming the kind of problem (问题类型).")
    title: str = Field(description="Short summary of the kind (标题).")
    status: int = Field(description="The HTTP status code (状态码).")
    detail: str = Field(description="What went wrong this time (详情).")
    instance: str = Field(description="The path that was requested (请求路径).")
    errors: list[ProblemFieldError] = Field(
        default_factory=list, description="Each wrong field (字段错误); may be empty."
    )


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


def _printable(part: str) -> str:
    # A key a client sent may hold control characters or lone surrogates: echo them escaped.
    if part.isprintable():
        return part
    return part.encode("unicode_escape", "backslashreplace").decode("ascii")


def field_path(loc: Sequence[int | str]) -> str:
    """Turn a pydantic error location into a dotted field name (`mother.id_number`)."""
    skipped = ("body", "query", "header", "path", "form")
    parts = [_printable(str(p)) for p in loc if p not in skipped]
    return ".".join(parts) or "body"


# Errors a schema raises with `PydanticCustomError(<type>, <message>, {"fields": [...]})` whose
# message is the whole answer: it becomes the problem's detail, and each field is named.
DETAIL_ERROR_TYPES = frozenset({"fetal_sex_prohibited"})
# A model-level rule about one or more fields names them, not the body (see `field_rule`).
FIELD_RULE = "field_rule"
_NAMED_FIELD_TYPES = DETAIL_ERROR_TYPES | {FIELD_RULE, "control_characters"}


def field_rule(field: str, message: str) -> PydanticCustomError:
    """The error of a rule that spans fields, naming the field to correct: raise it in a
    model validator so that the answer says `birth_datetime`, not `body`."""
    return PydanticCustomError(FIELD_RULE, message, {"fields": [field]})


def _field_error(err: Any) -> FieldError:
    kind = err.get("type")
    loc = err.get("loc", ())
    if kind in ("json_invalid", "json_type"):
        # The body could not be parsed at all: name it, not the character position.
        return FieldError("body", "the body is not valid JSON")
    message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        message = "unknown field"
    return FieldError(field_path(loc), message)


def validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    """Map pydantic errors to field errors, with messages free of the input's values."""
    errors: list[FieldError] = []
    for err in raw:
        if err.get("type") in _NAMED_FIELD_TYPES:
            message = str(err.get("msg", "invalid value"))
            prefix = field_path(err.get("loc", ()))
            for name in (err.get("ctx") or {}).get("fields") or [""]:
                field = ".".join(p for p in (prefix, str(name)) if p and p != "body") or "body"
                errors.append(FieldError(field, message))
            continue
        errors.append(_field_error(err))
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
    # FastAPI answers 400 when it cannot read the body at all (bad encoding, bad form).
    errors = [FieldError("body", detail)] if exc.status_code == 400 else []
    return problem_response(
        request,
        status=exc.status_code,
        slug=slug,
        title=detail,
        detail=detail,
        errors=errors,
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


async def _database_handler(request: Request, exc: Exception) -> JSONResponse:
    # A connection lost (the database restarted), refused or timed out on a lock: the
    # request may succeed when retried. Pooled connections are not pinged before each use
    # (a round trip per request); SQLAlchemy drops the whole pool on the first disconnect.
    logger.error("database unavailable: %s", type(getattr(exc, "orig", exc)).__name__)
    return problem_response(
        request,
        status=503,
        slug="database-unavailable",
        title="Database unavailable",
        detail="The database could not be reached; retry shortly.",
        headers={"Retry-After": "5"},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(OperationalError, _database_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
