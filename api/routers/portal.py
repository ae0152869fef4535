"""The staff portal's pages and scripts under /portal/, served with a strict CSP.

The pages are static; they log in with the password grant and call /v1 with the token,
so serving them needs no token of its own.
"""

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.errors import NotFound
from api.portal import STATIC_DIR

router = APIRouter(prefix="/portal", include_in_schema=False)

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Only the shipped files, by name: no path from the request ever reaches the file system.
FILES = {p.name: p for p in sorted(STATIC_DIR.iterdir()) if p.suffix in MEDIA_TYPES}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def _file(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None:
        raise NotFound("No such portal page.")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.get("")
def portal_root() -> RedirectResponse:
    """The portal lives under /portal/."""
    return RedirectResponse("/portal/", status_code=308)


@router.get("/")
def portal_index() -> FileResponse:
    """The portal's one page; its script shows the login or the chosen section."""
    return _file("index.html")


@router.get("/{name}")
def portal_file(name: str) -> FileResponse:
    """A script, style sheet or image of the portal."""
    return _file(name)
