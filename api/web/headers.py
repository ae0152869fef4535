"""Response headers every answer of the API carries (interface §1).

Whatever a route or an error handler answers under `/v1` or `/oauth` may carry personal
data or a token, so it is never stored by a browser or a proxy: `Cache-Control: no-store`
(with `Pragma: no-cache` for HTTP/1.0 caches) is set there on every response, errors
included, overriding anything a route set. Every response also tells browsers not to
sniff content types.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE_PREFIXES = ("/v1/", "/oauth/")


def never_stored(path: str) -> bool:
    """Tell whether responses to `path` must not be stored by any cache."""
    return path.startswith(NO_STORE_PREFIXES)


class SecurityHeaders:
    """Pure ASGI middleware (no request body buffering) that sets the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = never_stored(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if no_store:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_headers)
