"""Request metrics for `/metrics`."""

import time
from collections.abc import Awaitable, Callable
from functools import cache

from fastapi import Request, Response
from prometheus_client import Counter, Histogram


@cache
def _instruments() -> tuple[Counter, Histogram]:
    requests = Counter(
        "vitalx_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
    )
    latency = Histogram("vitalx_http_request_seconds", "HTTP request latency", ["method", "route"])
    return requests, latency


async def record_request_metrics(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Count and time each request by its route template (never by its raw path)."""
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    requests, latency = _instruments()
    requests.labels(request.method, template, str(response.status_code)).inc()
    latency.labels(request.method, template).observe(time.perf_counter() - started)
    return response
