"""Rate limits on the requests that harvest personal data: ID look-ups and list pages.

Every authenticated /v1 route runs `limit_harvesting` after the token check. A look-up
(`POST .../lookup`) counts against the caller's look-up allowance, a list page (any GET
route that takes a `cursor`) against its list allowance, weighted by the page size it asks
for (`limit` / 50, at least 1), and both against the client address's allowance. When an
allowance is spent the answer is 429 with `Retry-After` and `RateLimit-*` headers. Reads
of one record by its opaque id are not limited: ids are not enumerable.
"""

import math
from typing import Any

from anyio import to_thread
from fastapi import Request

from api.access.principal import Principal
from api.access.throttle import app_throttle, client_address, enforce
from api.config import Settings
from api.deps import authenticate, bearer_credentials
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT


def harvesting_kind(method: str, route: Any) -> str | None:
    """ "lookup", "list" or None (not limited) for a request to `route`."""
    path = getattr(route, "path", "")
    if method == "POST" and path.endswith("/lookup"):
        return "lookup"
    params = getattr(getattr(route, "dependant", None), "query_params", ())
    if method == "GET" and any(param.name == "cursor" for param in params):
        return "list"
    return None


def _cost(request: Request, kind: str) -> int:
    if kind != "list":
        return 1
    raw = request.query_params.get("limit", "")
    asked = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else DEFAULT_LIMIT
    return max(1, math.ceil(min(asked, MAX_LIMIT) / DEFAULT_LIMIT))


def _count(request: Request, principal: Principal, kind: str) -> None:
    settings: Settings = request.app.state.settings
    window = settings.rate_window_seconds
    per_caller = settings.lookup_rate_limit if kind == "lookup" else settings.list_rate_limit
    cost = min(_cost(request, kind), per_caller, settings.read_rate_limit_per_address)
    by_caller = app_throttle(request, f"{kind}:caller", limit=per_caller, window_seconds=window)
    enforce(by_caller, f"{principal.actor_type}\0{principal.subject}", cost)
    by_address = app_throttle(
        request, "reads:address", limit=settings.read_rate_limit_per_address, window_seconds=window
    )
    enforce(by_address, client_address(request), cost)


async def limit_harvesting(request: Request) -> Principal:
    """Authenticate, then count a look-up or list page against the caller and its address.

    429 when an allowance is spent. Other requests pass without a thread hop; counting may
    ask Redis, so it runs in a thread. The token is read here rather than through a
    sub-dependency: every dependency FastAPI resolves costs a read more CPU than this check,
    and each /v1 route's own access alias already puts the bearer scheme (with its scopes)
    in the OpenAPI document.
    """
    principal = await authenticate(request, await bearer_credentials(request))
    kind = harvesting_kind(request.method, request.scope.get("route"))
    if kind is not None:
        await to_thread.run_sync(_count, request, principal, kind)
    return principal
