"""Request metrics for `/metrics`."""

from functools import cache

from prometheus_client import Counter, Histogram


@cache
def _instruments() -> tuple[Counter, Histogram]:
    requests = Counter(
        "vitalx_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
    )
    latency = Histogram("vitalx_http_request_seconds", "HTTP request latency", ["method", "route"])
    return requests, latency


def observe_request(method: str, route: object, status: int, seconds: float) -> None:
    """Count and time one answered request by its route template (never by its raw path)."""
    template = getattr(route, "path", "unmatched")
    requests, latency = _instruments()
    requests.labels(method, template, str(status)).inc()
    latency.labels(method, template).observe(seconds)
