"""Refuse control characters in a request's path, query, form fields and free-text headers.

Body fields are checked by the body models (`api.models.base.StrictBody`); this ASGI
middleware covers the strings that reach a route without a model: query and path
parameters (`/v1/persons/%00`, `?status=%00`), form fields (`/oauth/token`) and the
`X-Case-Id` and `Idempotency-Key` headers. Each is answered with a 422 naming the
parameter before any route runs, so no such value ever reaches a database or a log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import FieldError, problem_response

from .text import CONTROL_CHARACTER_MESSAGE, has_control_characters, printable_name

__all__ = ["ControlCharacterGuard"]

CHECKED_HEADERS = (b"x-case-id", b"idempotency-key", b"x-purpose-of-use")
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024  # a longer form is left to the route's own limits


def _templates(routes: list[Any], prefix: str = "") -> Iterator[re.Pattern[str]]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:  # an included router, as FastAPI keeps it
            yield from _templates(inner.routes, prefix + route.include_context.prefix)
        elif isinstance(getattr(route, "path", None), str):
            yield compile_path(prefix + route.path)[0]


def _path_fields(app: Any, path: str) -> list[str]:
    """The names of the path parameters whose values hold control characters."""
    cache = getattr(app, "state", None)
    patterns = getattr(cache, "control_guard_patterns", None)
    if patterns is None:
        patterns = list(_templates(list(getattr(app, "routes", []))))
        if cache is not None:
            cache.control_guard_patterns = patterns
    for pattern in patterns:
        match = pattern.fullmatch(path)
        if match:
            named = [k for k, v in match.groupdict().items() if has_control_characters(v)]
            if named:
                return named
    return ["path"]


def _query_fields(raw: bytes) -> list[str]:
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return [
        printable_name(key)
        for key, value in pairs
        if has_control_characters(key) or has_control_characters(value)
    ]


def _header_fields(scope: Scope) -> list[str]:
    return [
        name.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name in CHECKED_HEADERS and has_control_characters(value.decode("latin-1"))
    ]


def _is_form(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower() == FORM
    return False


def _unauthenticated_api_call(scope: Scope) -> bool:
    # /v1 answers 401 before reading any parameter; leave that answer to it.
    path: str = scope.get("path", "")
    has_token = any(name == b"authorization" for name, _ in scope.get("headers", []))
    return path.startswith("/v1/") and not has_token


class ControlCharacterGuard:
    """ASGI middleware: 422 for a control character in the path, query, form or headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _unauthenticated_api_call(scope):
            await self.app(scope, receive, send)
            return
        fields: list[str] = []
        if has_control_characters(scope.get("path", "")):
            fields += _path_fields(scope.get("app"), scope["path"])
        fields += _query_fields(scope.get("query_string", b""))
        fields += _header_fields(scope)
        if not fields and _is_form(scope):
            body, receive = await _buffered(receive)
            if body is not None:
                fields += _query_fields(body)
        if fields:
            await _refuse(scope, receive, send, fields)
            return
        await self.app(scope, receive, send)


async def _buffered(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read a small body whole and return it with a `receive` that replays it."""
    chunks: list[bytes] = []
    size = 0
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False) or size > MAX_FORM_BYTES:
            break
    complete = messages[-1]["type"] == "http.request" and not messages[-1].get("more_body")

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return (b"".join(chunks) if complete else None), replay


async def _refuse(scope: Scope, receive: Receive, send: Send, fields: list[str]) -> None:
    names = list(dict.fromkeys(fields))
    response = problem_response(
        Request(scope, receive),
        status=422,
        slug="invalid-input",
        title="Invalid input",
        detail=f"The request has invalid fields: {', '.join(names[:5])}.",
        errors=[FieldError(name, CONTROL_CHARACTER_MESSAGE) for name in names],
    )
    await response(scope, receive, send)
