"""Who may do what: departments, scopes, staff roles and purposes of use (interface §3, §8)."""

from enum import StrEnum


class Department(StrEnum):
    """The department whose system or staff member acts."""

    MATERNAL_HEALTH = "maternal_health"
    PUBLIC_SECURITY = "public_security"
    CIVIL_AFFAIRS = "civil_affairs"
    HEALTH_COMMISSION = "health_commission"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Scope(StrEnum):
    """An OAuth scope; a token carries the subset its holder may use."""

    PERSONS_READ = "persons:read"
    PERSONS_WRITE = "persons:write"
    BIRTHS_READ = "births:read"
    BIRTHS_WRITE = "births:write"
    ULTRASOUNDS_READ = "ultrasounds:read"
    ULTRASOUNDS_WRITE = "ultrasounds:write"
    HOUSEHOLDS_READ = "households:read"
    HOUSEHOLDS_WRITE = "households:write"
    MARRIAGES_READ = "marriages:read"
    MARRIAGES_WRITE = "marriages:write"
    APPLICATIONS_READ = "applications:read"
    APPLICATIONS_WRITE = "applications:write"
    APPLICATIONS_REVIEW = "applications:review"
    CROSSCHECK_READ = "crosscheck:read"
    CROSSCHECK_RUN = "crosscheck:run"
    CROSSCHECK_RESOLVE = "crosscheck:resolve"
    STATS_READ = "stats:read"
    FEED_READ = "feed:read"
    AUDIT_READ = "audit:read"


class Role(StrEnum):
    """A staff user's role in the health commission."""

    CLERK = "clerk"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Purpose(StrEnum):
    """Why data is read or written; recorded in the access log (interface §8)."""

    HOUSEHOLD_REGISTRATION = "household-registration"
    BIRTH_REGISTRATION = "birth-registration"
    MATERNAL_CARE = "maternal-care"
    BIRTH_SERVICE = "birth-service"
    MARRIAGE_REGISTRATION = "marriage-registration"
    CROSSCHECK = "crosscheck"
    STATISTICS = "statistics"
    AUDIT = "audit"
    CITIZEN_REQUEST = "citizen-request"


S = Scope
ALL_SCOPES: tuple[Scope, ...] = tuple(Scope)

DEPARTMENT_SCOPES: dict[Department, tuple[Scope, ...]] = {
    Department.MATERNAL_HEALTH: (
        S.BIRTHS_READ,
        S.BIRTHS_WRITE,
        S.ULTRASOUNDS_READ,
        S.ULTRASOUNDS_WRITE,
        S.PERSONS_READ,
        S.FEED_READ,
    ),
    Department.PUBLIC_SECURITY: (
        S.PERSONS_READ,
        S.PERSONS_WRITE,
        S.HOUSEHOLDS_READ,
        S.HOUSEHOLDS_WRITE,
        S.BIRTHS_READ,
        S.MARRIAGES_READ,
        S.FEED_READ,
    ),
    Department.CIVIL_AFFAIRS: (S.PERSONS_READ, S.MARRIAGES_READ, S.MARRIAGES_WRITE, S.FEED_READ),
    Department.HEALTH_COMMISSION: (
        S.PERSONS_READ,
        S.BIRTHS_READ,
        S.HOUSEHOLDS_READ,
        S.MARRIAGES_READ,
        S.APPLICATIONS_READ,
        S.APPLICATIONS_WRITE,
        S.APPLICATIONS_REVIEW,
        S.CROSSCHECK_READ,
        S.CROSSCHECK_RUN,
        S.CROSSCHECK_RESOLVE,
        S.STATS_READ,
        S.FEED_READ,
    ),
    Department.AUDITOR: (S.AUDIT_READ,),
    Department.ADMIN: ALL_SCOPES,
}

_CLERK = (
    S.PERSONS_READ,
    S.APPLICATIONS_READ,
    S.APPLICATIONS_WRITE,
    S.CROSSCHECK_READ,
    S.CROSSCHECK_RESOLVE,
    S.STATS_READ,
)
ROLE_SCOPES: dict[Role, tuple[Scope, ...]] = {
    Role.CLERK: _CLERK,
    Role.REVIEWER: (*_CLERK, S.APPLICATIONS_REVIEW),
    Role.SUPERVISOR: (*_CLERK, S.APPLICATIONS_REVIEW, S.CROSSCHECK_RUN),
    Role.AUDITOR: (S.AUDIT_READ,),
    Role.ADMIN: ALL_SCOPES,
}

# Staff belong to the health commission, except that the auditor and admin roles act as
# those departments so that their minimisation rules follow them.
ROLE_DEPARTMENT: dict[Role, Department] = {
    Role.CLERK: Department.HEALTH_COMMISSION,
    Role.REVIEWER: Department.HEALTH_COMMISSION,
    Role.SUPERVISOR: Department.HEALTH_COMMISSION,
    Role.AUDITOR: Department.AUDITOR,
    Role.ADMIN: Department.ADMIN,
}

P = Purpose
DEPARTMENT_PURPOSES: dict[Department, tuple[Purpose, ...]] = {
    Department.MATERNAL_HEALTH: (P.BIRTH_REGISTRATION, P.MATERNAL_CARE),
    Department.PUBLIC_SECURITY: (P.HOUSEHOLD_REGISTRATION, P.CROSSCHECK),
    Department.CIVIL_AFFAIRS: (P.MARRIAGE_REGISTRATION,),
    Department.HEALTH_COMMISSION: (P.BIRTH_SERVICE, P.CROSSCHECK, P.STATISTICS, P.CITIZEN_REQUEST),
    Department.AUDITOR: (P.AUDIT,),
    Department.ADMIN: tuple(Purpose),
}

# Departments whose reads may carry health data (births, exams) about a person.
HEALTH_DATA_DEPARTMENTS = frozenset(
    {Department.MATERNAL_HEALTH, Department.HEALTH_COMMISSION, Department.AUDITOR, Department.ADMIN}
)
ULTRASOUND_DEPARTMENTS = frozenset({Department.MATERNAL_HEALTH, Department.AUDITOR})
