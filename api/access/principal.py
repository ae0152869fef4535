"""The authenticated caller of a request and the purpose it acts for."""

from dataclasses import dataclass, field
from enum import StrEnum

from api.access.jurisdiction import in_jurisdiction
from api.access.policy import (
    HEALTH_DATA_DEPARTMENTS,
    ULTRASOUND_DEPARTMENTS,
    Department,
    Purpose,
    Scope,
)


class ActorType(StrEnum):
    """Who an audit event's actor is (the `actor_type` column of the audit log)."""

    CLIENT = "client"  # a department system, by client credentials
    USER = "user"  # a staff user of the portal, by password
    SYSTEM = "system"  # the service itself: a scheduled or queued cross-check run
    OPERATOR = "operator"  # a person at the server's command line starting a run
    CLI = "cli"  # a person at the server's command line importing files
    PUBLIC = "public"  # an anonymous caller of a public route (certificate verification)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a department system (client) or a staff user, from the token."""

    subject: str
    actor_type: str  # an ActorType value
    department: Department
    region: str
    scopes: frozenset[Scope]
    purposes: tuple[Purpose, ...]
    jti: str
    role: str | None = None

    @property
    def is_staff(self) -> bool:
        """Staff see identifiers masked unless they state a purpose."""
        return self.actor_type == ActorType.USER

    def can_see(self, region: str | None) -> bool:
        """Tell whether a record in `region` is inside this caller's jurisdiction."""
        return in_jurisdiction(self.region, region)

    @property
    def sees_health_data(self) -> bool:
        """Civil affairs and public security read persons without health data."""
        return self.department in HEALTH_DATA_DEPARTMENTS

    @property
    def sees_ultrasounds(self) -> bool:
        """Ultrasound exams are for maternal health and auditors only (interface §3).

        Other departments never read exams, whatever scopes their token carries: not even
        admin. Auditors read them with audit:read.
        """
        if self.department not in ULTRASOUND_DEPARTMENTS:
            return False
        if self.department == Department.AUDITOR and Scope.AUDIT_READ in self.scopes:
            return True
        return Scope.ULTRASOUNDS_READ in self.scopes

    @property
    def writes_ultrasounds(self) -> bool:
        """Maternal health with ultrasounds:write: a write answers with the exam, so it reads."""
        return self.sees_ultrasounds and Scope.ULTRASOUNDS_WRITE in self.scopes


@dataclass(frozen=True)
class Access:
    """A principal acting for a purpose, as recorded in the access log."""

    principal: Principal
    purpose: Purpose
    purpose_stated: bool = False
    case_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def unmasked(self) -> bool:
        """Full ID numbers go to department systems, and to staff who stated a purpose."""
        return not self.principal.is_staff or self.purpose_stated


def tokenless_access(
    actor_type: ActorType,
    *,
    subject: str,
    department: Department,
    region: str,
    purpose: Purpose,
    scopes: frozenset[Scope] = frozenset(),
) -> Access:
    """The access of a caller that holds no token: the service itself or an operator."""
    principal = Principal(
        subject=subject[:64],
        actor_type=actor_type.value,
        department=department,
        region=region,
        scopes=scopes,
        purposes=(purpose,),
        jti="",
    )
    return Access(principal, purpose, purpose_stated=True)
