"""The edge of every answer: the response headers it carries (interface §1), and its metrics.

Whatever a route or an error handler answers under `/v1` or `/oauth` may carry personal
data or a token, so it is never stored by a browser or a proxy: `Cache-Control: no-store`
(with `Pragma: no-cache` for HTTP/1.0 caches) is set there on every response, errors
included, overriding anything a route set. Every response also tells browsers not to
sniff content types. The same middleware counts and times each request for `/metrics`
(`api.metrics`): one layer and one wrapped `send` per request rather than two.
"""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import observe_request

NO_STORE_PREFIXES = ("/v1/", "/oauth/")
_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_NO_STORE_NAMES = frozenset(name for name, _ in _NO_STORE)
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def never_stored(path: str) -> bool:
    """Tell whether responses to `path` must not be stored by any cache."""
    return path.startswith(NO_STORE_PREFIXES)


def _with_headers(raw: list[tuple[bytes, bytes]], no_store: bool) -> list[tuple[bytes, bytes]]:
    """An answer's raw headers with the ones above set (theirs replaced where they must be)."""
    if no_store:
        raw = [(k, v) for k, v in raw if k.lower() not in _NO_STORE_NAMES] + _NO_STORE
    if not any(k.lower() == _NOSNIFF[0] for k, _ in raw):
        raw = [*raw, _NOSNIFF]
    return raw


class SecurityHeaders:
    """Pure ASGI middleware (no request body buffering): the headers above, and metrics.

    Plain ASGI: Starlette's `BaseHTTPMiddleware` runs the app in a second task and relays
    its answer through a stream, which cost a tenth of an audited read's CPU. Outermost, so
    that every answer (the control-character guard's too) carries the headers and counts.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        no_store = never_stored(scope.get("path", ""))
        status = 500  # unless an answer starts: an error escaped to the server

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _with_headers(list(message.get("headers", ())), no_store)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            observe_request(scope["method"], scope.get("route"), status, seconds)
