"""Authentication before body validation.

FastAPI parses and validates a request's body before any dependency runs, so a request to
a protected route without a valid token but with a malformed body would learn about the
body (400/422) instead of getting 401. The handlers installed here put authentication
first, for every route that needs a token (any route whose dependencies include the
bearer scheme): when such a request fails on its body or parameters before it was
authenticated, the token is checked first and a missing or refused one answers 401.
A request that was authenticated, and every public route, get the validation answer as
before. The check runs only on that failure path, so valid requests pay nothing for it.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.deps import authenticate
from api.errors import Problem, problem_response

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
bearer = HTTPBearer(auto_error=False, description="ES256 access token from /oauth/token")
# Statuses a request can get before its dependencies ran: a body or parameters that fail.
PRE_AUTHENTICATION_STATUSES = frozenset({400, 413, 415, 422})


def _takes_a_bearer_token(dependant: Dependant) -> bool:
    return isinstance(dependant.call, HTTPBearer) or any(
        _takes_a_bearer_token(d) for d in dependant.dependencies
    )


def needs_token(route: Any) -> bool:
    """Tell whether a route demands a bearer token (a walk of a few dependencies)."""
    dependant = getattr(route, "dependant", None)
    return dependant is not None and _takes_a_bearer_token(dependant)


async def authentication_problem(request: Request) -> Problem | None:
    """The 401 a not yet authenticated request to a protected route gets, if any."""
    if not needs_token(request.scope.get("route")) or hasattr(request.state, "principal"):
        return None
    try:
        await authenticate(request, await bearer(request))
    except Problem as problem:
        return problem
    return None


def authenticating_first(original: Handler) -> Callable[[Request, Any], Awaitable[Response]]:
    """Wrap an error handler so that a missing or refused token is answered before it."""

    async def handler(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 422)
        if status in PRE_AUTHENTICATION_STATUSES:
            problem = await authentication_problem(request)
            if problem is not None:
                return problem_response(
                    request,
                    status=problem.status,
                    slug=problem.slug,
                    title=problem.title,
                    detail=problem.detail,
                    errors=problem.errors,
                    headers=problem.headers,
                )
        answer = original(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handler


def install_authentication_first(app: FastAPI) -> None:
    """Put authentication before body and parameter validation (call after the handlers)."""
    for kind in (RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, authenticating_first(app.exception_handlers[kind]))
