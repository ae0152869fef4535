"""OAuth 2.0 token, revocation and key-set endpoints (interface §3). No token needed."""

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from api.access import accounts as auth
from api.access.policy import Department
from api.deps import PrincipalDep, SessionDep, SettingsDep, SigningKeyDep
from api.errors import FieldError, Forbidden, InvalidInput, problem_response
from api.security.keys import jwks
from api.security.tokens import InvalidToken, decode_access_token

router = APIRouter(tags=["auth"])


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


@router.post("/oauth/token", summary="Get an access token")
def token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: SigningKeyDep,
    grant_type: Annotated[str, Form(max_length=32)],
    client_id: Annotated[str | None, Form(max_length=128)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    scope: Annotated[str | None, Form(max_length=1024)] = None,
) -> Any:
    """Client credentials for department systems, password grant for staff."""
    try:
        if grant_type == "client_credentials":
            basic = _basic_credentials(request)
            cid, secret = basic or (client_id or "", client_secret or "")
            principal = auth.authenticate_client(session, client_id=cid, client_secret=secret)
        elif grant_type == "password":
            principal = auth.authenticate_user(
                session, username=username or "", password=password or "", settings=settings
            )
        else:
            raise auth.AuthError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
            )
        scopes = auth.narrow_scopes(principal, scope)
    except auth.AuthError as exc:
        # Answered, not raised: a failed login's counter must still be committed.
        return problem_response(
            request,
            status=exc.status,
            slug=exc.error.replace("_", "-"),
            title="Token request refused",
            detail=exc.detail,
            errors=[
                {
                    "field": "grant_type" if exc.error.startswith("unsupported") else "credentials",
                    "message": exc.detail,
                }
            ],
            extra={"error": exc.error, "error_description": exc.detail},
        )
    issued = auth.issue_token(principal, scopes=scopes, key=key, settings=settings)
    body = {
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": settings.token_ttl_seconds,
        "scope": issued.claims["scope"],
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post("/oauth/revoke", status_code=200, summary="Revoke an access token")
def revoke(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    token: Annotated[str | None, Form(max_length=4096)] = None,
    jti: Annotated[str | None, Form(max_length=64)] = None,
) -> dict[str, str]:
    """Revoke a token by `jti` (or the token itself); callers revoke their own, admins any."""
    if token:
        try:
            claims = decode_access_token(
                token,
                keys=request.app.state.verification_keys,
                issuer=settings.issuer,
                audience=settings.audience,
            )
        except InvalidToken as exc:
            raise InvalidInput(str(exc), errors=[FieldError("token", str(exc))]) from exc
        owner, target, expires = str(claims["sub"]), str(claims["jti"]), int(claims["exp"])
    elif jti:
        owner, target, expires = principal.subject, jti, 0
    else:
        raise InvalidInput("Name the token to revoke.", errors=[FieldError("jti", "required")])
    if owner != principal.subject and principal.department != Department.ADMIN:
        raise Forbidden("Only the token's holder or an administrator may revoke it.")
    auth.revoke_jti(session, jti=target, exp=expires, settings=settings)
    return {"revoked": target}


@router.get("/.well-known/jwks.json", summary="Public keys that verify tokens and certificates")
def jwks_document(request: Request) -> dict[str, Any]:
    """The JSON Web Key Set."""
    return jwks(list(request.app.state.verification_keys.values()))
