"""OAuth 2.0 token, revocation and key-set endpoints (interface §3). No token needed."""

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.access import accounts as auth
from api.access import issued_tokens
from api.access.principal import Principal
from api.access.throttle import Throttle, app_throttle, client_address, enforce
from api.config import Settings
from api.deps import PrincipalDep, SessionDep, SettingsDep, SigningKeyDep
from api.errors import FieldError, Forbidden, InvalidInput, problem_response
from api.routers.openapi import problems
from api.security.keys import jwks
from api.security.tokens import InvalidToken, decode_access_token

router = APIRouter(tags=["auth"])
FORM = "application/x-www-form-urlencoded"


class TokenOut(BaseModel):
    """An access token (访问令牌), RFC 6749 §5.1."""

    access_token: str = Field(description="ES256-signed JWT; send it as `Bearer`.")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until it expires.")
    scope: str = Field(description="The scopes it carries, space-separated.")


class RevokedOut(BaseModel):
    """What was revoked: the token's `jti` (empty for a presented token that was not valid)."""

    revoked: str


class Jwk(BaseModel):
    """One public key (P-256, ES256) that verifies tokens and certificates."""

    model_config = ConfigDict(extra="allow")

    kty: str
    crv: str
    x: str
    y: str
    kid: str
    use: str
    alg: str


class JwksOut(BaseModel):
    """The JSON Web Key Set (RFC 7517)."""

    keys: list[Jwk]


def _form_examples(**examples: dict[str, str]) -> dict[str, Any]:
    named = {name: {"summary": name, "value": value} for name, value in examples.items()}
    return {"requestBody": {"content": {FORM: {"examples": named}}}}


TOKEN_DESCRIPTION = """\
部门系统用客户端凭据（`client_credentials`，HTTP Basic 或表单），
工作人员用密码（`password`）换取访问令牌；`scope` 可把令牌缩小到客户端权限的子集。
按客户端地址和账户限流（429，带 `Retry-After`）；
密码错误、用户不存在和账户锁定的应答相同。

Client credentials (HTTP Basic or form) for department systems, the password grant for
staff; `scope` narrows the token to a subset of the client's scopes. Requests are limited
per client address and per username or client_id (429 with `Retry-After`); a wrong
password, an unknown username and a locked account get the same answer. A refusal is a
problem that also carries OAuth's `error` and `error_description`."""

REVOKE_DESCRIPTION = """\
吊销令牌：提交令牌本身（RFC 7009 `token`）或其 `jti`。
调用方只能吊销自己的令牌，管理员可吊销任何令牌。

Revokes a token (RFC 7009 `token`) or an issued token by its `jti`. Callers revoke their
own tokens, admins any. A `jti` that is unknown or another holder's gets the same 200 as
one's own but is not stored; so does a presented token that is not valid (RFC 7009 §2.2).
Presenting another holder's valid token is 403."""


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


def _limit(request: Request, name: str, limit: int, key: str) -> Throttle:
    settings: Settings = request.app.state.settings
    throttle = app_throttle(request, name, limit=limit, window_seconds=settings.rate_window_seconds)
    enforce(throttle, key)
    return throttle


def _authenticate(request: Request, session: Session, form: dict[str, str]) -> Principal:
    """Check the grant's credentials, counting the attempt against the account (429 when spent).

    A successful login gives the account its allowance back; the address's stays counted.
    """
    settings: Settings = request.app.state.settings
    per_account = settings.token_rate_limit_per_account
    grant_type = form["grant_type"]
    if grant_type == "client_credentials":
        cid, secret = _basic_credentials(request) or (form["client_id"], form["client_secret"])
        account = f"client\0{cid}"
        throttle = _limit(request, "token:account", per_account, account)
        principal = auth.authenticate_client(session, client_id=cid, client_secret=secret)
    elif grant_type == "password":
        account = f"user\0{form['username']}"
        throttle = _limit(request, "token:account", per_account, account)
        principal = auth.authenticate_user(
            session, username=form["username"], password=form["password"], settings=settings
        )
    else:
        raise auth.AuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
        )
    throttle.reset(account)
    return principal


@router.post(
    "/oauth/token",
    response_model=TokenOut,
    summary="获取访问令牌 · Get an access token",
    description=TOKEN_DESCRIPTION,
    responses=problems(400, 401),
    openapi_extra=_form_examples(
        client_credentials={
            "grant_type": "client_credentials",
            "client_id": "mch-huangshi",
            "client_secret": "s3cret-from-vitalx-clients-create",
            "scope": "births:read births:write",
        },
        password={"grant_type": "password", "username": "clerk01", "password": "••••••••"},
    ),
)
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
    """Client credentials for department systems, password grant for staff.

    Requests are limited per client address and per username or client_id (429 with
    `Retry-After`); a wrong password, an unknown username and a locked account get the
    same answer.
    """
    per_address = settings.token_rate_limit_per_address
    _limit(request, "token:address", per_address, client_address(request))
    form = {
        "grant_type": grant_type,
        "client_id": client_id or "",
        "client_secret": client_secret or "",
        "username": username or "",
        "password": password or "",
    }
    try:
        principal = _authenticate(request, session, form)
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
    issued = issued_tokens.issue_token(
        session, principal, scopes=scopes, key=key, settings=settings
    )
    body = {
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": settings.token_ttl_seconds,
        "scope": issued.claims["scope"],
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post(
    "/oauth/revoke",
    status_code=200,
    response_model=RevokedOut,
    summary="吊销访问令牌 · Revoke an access token",
    description=REVOKE_DESCRIPTION,
    openapi_extra=_form_examples(jti={"jti": "3f9c2a7e-5b1d-4c8e-9a0f-6d2b7e1c4a53"}),
)
def revoke(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    token: Annotated[str | None, Form(max_length=4096)] = None,
    jti: Annotated[str | None, Form(max_length=64)] = None,
) -> dict[str, str]:
    """Revoke a token (RFC 7009 `token`) or an issued token by its `jti`.

    Callers revoke their own tokens, admins any. A `jti` that is unknown or another
    holder's gets the same 200 as one's own but is not stored; so does a presented token
    that is not valid (RFC 7009 §2.2). Presenting another holder's valid token is 403.
    """
    if token:
        try:
            claims = decode_access_token(
                token,
                keys=request.app.state.verification_keys,
                issuer=settings.issuer,
                audience=settings.audience,
            )
        except InvalidToken:
            return {"revoked": ""}
        if not issued_tokens.revoke_presented(session, claims=claims, caller=principal):
            raise Forbidden("Only the token's holder or an administrator may revoke it.")
        return {"revoked": str(claims["jti"])}
    if not jti:
        raise InvalidInput("Name the token to revoke.", errors=[FieldError("token", "required")])
    issued_tokens.revoke_jti(session, jti=jti, caller=principal)
    return {"revoked": jti}


@router.get(
    "/.well-known/jwks.json",
    response_model=JwksOut,
    summary="验证令牌和证书的公钥 · Public keys that verify tokens and certificates",
    description="JSON Web Key Set（RFC 7517），无需令牌。\n\nThe key set; no token needed.",
)
def jwks_document(request: Request) -> dict[str, Any]:
    """The JSON Web Key Set."""
    return jwks(list(request.app.state.verification_keys.values()))
