"""Request dependencies: the session, the caller, and each route's access policy as aliases."""

import logging
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from api.access.accounts import AuthError, is_revoked, principal_from_claims
from api.access.policy import Purpose, Scope
from api.access.principal import Access, Principal
from api.config import Settings
from api.db import commit
from api.errors import Forbidden, Problem, Unauthorized
from api.journal.audit import record_denied
from api.security.keys import SigningKey
from api.security.tokens import InvalidToken, decode_access_token

logger = logging.getLogger(__name__)


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_signing_key(request: Request) -> SigningKey:
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


def _audit_denial(session: Session, request: Request) -> None:
    """Note a refused /v1 request of a known caller, in a transaction of its own."""
    principal = getattr(request.state, "principal", None)
    path = getattr(request.scope.get("route"), "path", None)
    if principal is None or path is None or not request.url.path.startswith("/v1/"):
        return
    resource, action = _resource_and_action(request.method, path)
    stated = request.headers.get("X-Purpose-Of-Use")
    default = principal.purposes[0].value if principal.purposes else ""
    record_ids = [str(v)[:64] for k, v in request.path_params.items() if k.endswith("id")]
    try:
        record_denied(
            session,
            principal,
            purpose=stated if stated in {p.value for p in Purpose} else default,
            case_id=request.headers.get("X-Case-Id", "")[:64] or None,
            action=action,
            resource=resource,
            record_ids=record_ids,
        )
        commit(session)
    except SQLAlchemyError:
        # The refusal stands either way; a log that cannot be written is an operations alarm.
        session.rollback()
        logger.exception("could not record a denied access to %s", request.url.path)


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: it commits once, after the route returns.

    A refusal (403/404) rolls the request's work back and is audited on its own.
    """
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
            commit(session)
        except BaseException as exc:
            session.rollback()
            session.info.pop("journal", None)
            if isinstance(exc, Problem) and exc.status in DENIED_STATUSES:
                _audit_denial(session, request)
            raise


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SigningKeyDep = Annotated[SigningKey, Depends(get_signing_key)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="ES256 access token from /oauth/token")


def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Verify the bearer token and return who is calling."""
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
    if is_revoked(session, jti=principal.jti):
        raise Unauthorized("The access token has been revoked.")
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*scopes: Scope) -> Callable[[Principal], Principal]:
    """Build a dependency that admits callers holding every one of `scopes`."""

    def check(principal: PrincipalDep) -> Principal:
        missing = [s.value for s in scopes if s not in principal.scopes]
        if missing:
            raise Forbidden(f"The token lacks the scope {', '.join(missing)}.")
        return principal

    return check


def get_access(
    principal: PrincipalDep,
    purpose: Annotated[str | None, Header(alias="X-Purpose-Of-Use")] = None,
    case_id: Annotated[str | None, Header(alias="X-Case-Id", max_length=64)] = None,
) -> Access:
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


AccessDep = Annotated[Access, Depends(get_access)]


def scoped(*scopes: Scope) -> object:
    """An `Access` dependency that also demands `scopes` (for use in Annotated aliases)."""

    def check(access: AccessDep) -> Access:
        require(*scopes)(access.principal)
        return access

    return Security(check, scopes=[s.value for s in scopes])


def ultrasound_reader(access: AccessDep) -> Access:
    """Admit only callers who may read ultrasound exams (maternal health, auditors)."""
    if not access.principal.sees_ultrasounds:
        raise Forbidden("Ultrasound exams are readable only by maternal health and auditors.")
    return access


def ultrasound_writer(access: AccessDep) -> Access:
    """Admit only maternal health systems holding ultrasounds:write."""
    if not access.principal.writes_ultrasounds:
        raise Forbidden("Ultrasound exams are written only by maternal health (ultrasounds:write).")
    return access


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
