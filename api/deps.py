"""Request dependencies: the session, the caller, and each route's access policy as aliases."""

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.access.accounts import AuthError, principal_from_claims
from api.access.policy import Purpose, Scope
from api.access.principal import Access, Principal
from api.access.revocation import RevocationList
from api.config import Settings
from api.db import SAFE_METHODS, Database
from api.errors import Forbidden, Problem, Unauthorized
from api.journal.audit import denied_event
from api.journal.group_commit import AuditUnavailable
from api.security.keys import SigningKey
from api.security.tokens import InvalidToken, decode_access_token

logger = logging.getLogger(__name__)


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_signing_key(request: Request) -> SigningKey:
    """The key that signs tokens and credentials."""
    key: SigningKey = request.app.state.signing_key
    return key


# Refusals that concern personal data: they are audited with the outcome `denied`.
DENIED_STATUSES = frozenset({403, 404})
_METHOD_ACTIONS = {"POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}


def _resource_and_action(method: str, route_path: str) -> tuple[str, str]:
    """The resource and action a /v1 route template names: ("births", "void")."""
    segments = route_path.removeprefix("/v1").strip("/").split("/")
    resource, _, verb = segments[0].partition(":")
    if not verb and len(segments) > 1 and not segments[-1].startswith("{"):
        verb = segments[-1]
    if not verb and method == "GET":
        verb = "list" if len(segments) == 1 else "read"
    if not verb:
        verb = _METHOD_ACTIONS.get(method, method.lower())
    return resource[:32], verb[:32]


async def _audit_denial(database: Database, request: Request) -> None:
    """Note a refused /v1 request of a known caller, through the audit group commit."""
    principal = getattr(request.state, "principal", None)
    path = getattr(request.scope.get("route"), "path", None)
    if principal is None or path is None or not request.url.path.startswith("/v1/"):
        return
    resource, action = _resource_and_action(request.method, path)
    stated = request.headers.get("X-Purpose-Of-Use")
    default = principal.purposes[0].value if principal.purposes else ""
    record_ids = [str(v)[:64] for k, v in request.path_params.items() if k.endswith("id")]
    event = denied_event(
        principal,
        purpose=stated if stated in {p.value for p in Purpose} else default,
        case_id=request.headers.get("X-Case-Id", "")[:64] or None,
        action=action,
        resource=resource,
        record_ids=record_ids,
    )
    try:
        await database.audit.append([event])
    except AuditUnavailable:
        # The refusal stands either way; a log that cannot be written is an operations alarm.
        logger.error("could not record a denied access to %s", path)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: it commits once, after the route returns.

    GET and HEAD get a read-only session whose audit events are durable before the answer
    leaves (api/db.py). A refusal (403/404) rolls the request's work back and is audited.
    """
    database: Database = request.app.state.database
    async with database.admitted(writes=request.method not in SAFE_METHODS) as session:
        try:
            yield session
        except BaseException as exc:
            await database.abandon(session)
            if isinstance(exc, Problem) and exc.status in DENIED_STATUSES:
                await _audit_denial(database, request)
            raise
        await database.finish(session)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SigningKeyDep = Annotated[SigningKey, Depends(get_signing_key)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="ES256 access token from /oauth/token")


async def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """Verify the bearer token (cached once verified) and that it is not revoked.

    The caller is kept on the request: every check of one request verifies it once.
    """
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    if credentials is None:
        raise Unauthorized("A bearer access token is required.", token_sent=False)
    settings: Settings = request.app.state.settings
    try:
        claims = decode_access_token(
            credentials.credentials,
            keys=request.app.state.verification_keys,
            issuer=settings.issuer,
            audience=settings.audience,
        )
        principal = principal_from_claims(claims)
    except InvalidToken as exc:
        raise Unauthorized(f"The access token was refused: {exc}.") from exc
    except AuthError as exc:
        raise Unauthorized(f"The access token was refused: {exc.detail}.") from exc
    revocations: RevocationList = request.app.state.revocations
    if not revocations.is_fresh():
        await to_thread.run_sync(revocations.refresh)
    if principal.jti in revocations:
        raise Unauthorized("The access token has been revoked.")
    request.state.principal = principal
    return principal


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def bearer_credentials(request: Request) -> HTTPAuthorizationCredentials | None:
    """The request's bearer credentials, read without a dependency (None if absent)."""
    return await _bearer(request)


async def get_principal(request: Request, credentials: BearerDep) -> Principal:
    """The caller the request's bearer token speaks for (401 without a valid one)."""
    return await authenticate(request, credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
PurposeHeader = Annotated[str | None, Header(alias="X-Purpose-Of-Use")]
CaseIdHeader = Annotated[str | None, Header(alias="X-Case-Id", max_length=64)]


# The access dependencies below are `async def` although they rarely wait: FastAPI runs a
# plain `def` dependency in a worker thread, and each such hop costs more than the check.
# Each is one dependency that authenticates itself (rather than depending on
# `get_principal` and `get_access`): every dependency FastAPI resolves per request costs
# about as much as the check it wraps.


def _demand(principal: Principal, scopes: tuple[Scope, ...]) -> None:
    missing = [s.value for s in scopes if s not in principal.scopes]
    if missing:
        raise Forbidden(f"The token lacks the scope {', '.join(missing)}.")


def require(*scopes: Scope) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Build a dependency that admits callers holding every one of `scopes`."""

    async def check(principal: PrincipalDep) -> Principal:
        _demand(principal, scopes)
        return principal

    return check


def _stated_purpose(principal: Principal, purpose: str | None, case_id: str | None) -> Access:
    """The caller with the purpose it acts for: stated, or its registered default."""
    if purpose is None:
        if not principal.purposes:
            raise Forbidden("The caller has no purpose of use registered.")
        return Access(principal, principal.purposes[0], False, case_id)
    try:
        stated = Purpose(purpose)
    except ValueError:
        raise Forbidden(f"Unknown purpose of use {purpose!r}.") from None
    if stated not in principal.purposes:
        raise Forbidden(f"Purpose {stated.value} is not allowed for this caller.")
    return Access(principal, stated, True, case_id)


AccessRule = Callable[[Principal], None]
AccessCheck = Callable[..., Coroutine[Any, Any, Access]]


def _access_check(rule: AccessRule | None = None) -> AccessCheck:
    """A dependency giving the authenticated caller and its purpose, once `rule` admits it."""

    async def check(
        request: Request,
        credentials: BearerDep,
        purpose: PurposeHeader = None,
        case_id: CaseIdHeader = None,
    ) -> Access:
        principal = await authenticate(request, credentials)
        access = _stated_purpose(principal, purpose, case_id)
        if rule is not None:
            rule(principal)
        return access

    return check


get_access = _access_check()
AccessDep = Annotated[Access, Depends(get_access)]


def scoped(*scopes: Scope) -> object:
    """An `Access` dependency that also demands `scopes` (for use in Annotated aliases)."""
    check = _access_check(lambda principal: _demand(principal, scopes))
    return Security(check, scopes=[s.value for s in scopes])


def _sees_ultrasounds(principal: Principal) -> None:
    if not principal.sees_ultrasounds:
        raise Forbidden("Ultrasound exams are readable only by maternal health and auditors.")


def _writes_ultrasounds(principal: Principal) -> None:
    if not principal.writes_ultrasounds:
        raise Forbidden("Ultrasound exams are written only by maternal health (ultrasounds:write).")


ultrasound_reader = _access_check(_sees_ultrasounds)
ultrasound_writer = _access_check(_writes_ultrasounds)


S = Scope
PersonsRead = Annotated[Access, scoped(S.PERSONS_READ)]
PersonsWrite = Annotated[Access, scoped(S.PERSONS_WRITE)]
BirthsRead = Annotated[Access, scoped(S.BIRTHS_READ)]
BirthsWrite = Annotated[Access, scoped(S.BIRTHS_WRITE)]
UltrasoundsRead = Annotated[Access, Security(ultrasound_reader, scopes=[S.ULTRASOUNDS_READ])]
UltrasoundsWrite = Annotated[Access, Security(ultrasound_writer, scopes=[S.ULTRASOUNDS_WRITE])]
HouseholdsRead = Annotated[Access, scoped(S.HOUSEHOLDS_READ)]
HouseholdsWrite = Annotated[Access, scoped(S.HOUSEHOLDS_WRITE)]
MarriagesRead = Annotated[Access, scoped(S.MARRIAGES_READ)]
MarriagesWrite = Annotated[Access, scoped(S.MARRIAGES_WRITE)]
ApplicationsRead = Annotated[Access, scoped(S.APPLICATIONS_READ)]
ApplicationsWrite = Annotated[Access, scoped(S.APPLICATIONS_WRITE)]
ApplicationsReview = Annotated[Access, scoped(S.APPLICATIONS_REVIEW)]
CrosscheckRead = Annotated[Access, scoped(S.CROSSCHECK_READ)]
CrosscheckRun = Annotated[Access, scoped(S.CROSSCHECK_RUN)]
CrosscheckResolve = Annotated[Access, scoped(S.CROSSCHECK_RESOLVE)]
StatsRead = Annotated[Access, scoped(S.STATS_READ)]
FeedRead = Annotated[Access, scoped(S.FEED_READ)]
AuditRead = Annotated[Access, scoped(S.AUDIT_READ)]
