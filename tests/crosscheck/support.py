"""What the cross-check tests share: findings, callers, a stand-in engine and subject records."""

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.access.policy import Department, Purpose, Scope
from api.access.principal import Access, Principal
from api.config import Settings
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.reconcile import Reconciliation, reconcile
from api.crosscheck.runs import operator_access, request_run
from api.crosscheck.worker import run_now
from api.db import unit_of_work
from api.journal.append import pending
from api.models import (
    AuditEvent,
    Birth,
    CrosscheckRun,
    Discrepancy,
    FeedEvent,
    HouseholdEntry,
    Marriage,
    Person,
)
from api.validation import today_in_china
from tests.factories import SHANGHAI, certificate_no, id_number

AS_OF = date(2026, 3, 1)
ROOT = Path(__file__).resolve().parents[2]
SYSTEM = operator_access("crosscheck:test", "000000")
ADMIN = operator_access("test-operator", "000000")
T = DiscrepancyType


def finding(
    type_: DiscrepancyType = T.BIRTH_NOT_REGISTERED,
    *subjects: tuple[Any, str],
    region: str = "420202",
    fields: tuple[str, ...] = (),
    details: dict[str, Any] | None = None,
) -> Finding:
    """A finding as the engine reports it; subjects default to one new birth."""
    return Finding(
        type_, region, subjects or (("births", str(uuid4())),), fields, details or {"days": 31}
    )


def clerk(
    region: str = "420200", subject: str = "clerk-1", *, staff: bool = True, stated: bool = False
) -> Access:
    """A health-commission staff member of `region` (or its system) acting for the cross-check."""
    principal = Principal(
        subject=subject,
        actor_type="user" if staff else "client",
        department=Department.HEALTH_COMMISSION,
        region=region,
        scopes=frozenset({Scope.CROSSCHECK_READ, Scope.CROSSCHECK_RESOLVE}),
        purposes=(Purpose.CROSSCHECK,),
        jti="test",
    )
    return Access(principal, Purpose.CROSSCHECK, purpose_stated=stated)


def reconciled(
    session: Session,
    findings: list[Finding],
    run_id: str = "run-1",
    region: str = "420200",
    as_of: date = AS_OF,
    **kwargs: Any,
) -> Reconciliation:
    """Reconcile as a run of `region` would."""
    return reconcile(
        session,
        findings,
        run_id=run_id,
        region=region,
        as_of=as_of,
        due_days=30,
        access=SYSTEM,
        **kwargs,
    )


def stored(session: Session, item: Finding) -> Discrepancy:
    """The one discrepancy of a finding."""
    rows = session.exec(
        select(Discrepancy).where(Discrepancy.fingerprint == item.fingerprint)
    ).all()
    assert len(rows) == 1
    return rows[0]


def feed_types(session: Session) -> list[str]:
    """The feed events the session's work has appended or queued, in feed order."""
    stored = session.exec(select(FeedEvent.type).order_by(col(FeedEvent.seq))).all()
    return [*stored, *(event.type for event in pending(session).feed)]


def audit_events(session: Session) -> list[Any]:
    """The access-log events the session's work has chained or queued, oldest first."""
    order = (col(AuditEvent.occurred_at), col(AuditEvent.chain), col(AuditEvent.chain_seq))
    return [*session.exec(select(AuditEvent).order_by(*order)).all(), *pending(session).audit]


class FakeEngine:
    """Stands in for the linkage engine's `link`: returns set findings, counts its calls."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.calls = 0
        self.failure: Exception | None = None
        self.during: Any = None

    def __call__(
        self, *inputs: Any, as_of: date, region_prefix: str | None = None, **kwargs: Any
    ) -> list[Finding]:
        self.calls += 1
        if self.during is not None:
            self.during()
        if self.failure is not None:
            raise self.failure
        return list(self.findings)


def stand_in_engine(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    """Replace the linkage engine for the rest of the test."""
    from api.crosscheck.linkage import engine as linkage_engine

    fake = FakeEngine()
    monkeypatch.setattr(linkage_engine, "link", fake)
    return fake


def queue(
    engine: Engine, region: str = "420200", as_of: date | None = None, access: Access = ADMIN
) -> CrosscheckRun:
    """Queue a run (committed) for a worker."""
    with unit_of_work(engine) as session:
        return request_run(session, access=access, region=region, as_of=as_of)


def run_in_foreground(engine: Engine, settings: Settings, **kwargs: Any) -> CrosscheckRun:
    """Queue and carry out a run here, as `vitalx crosscheck run` does."""
    kwargs.setdefault("region", "420200")
    outcome = run_now(engine, access=ADMIN, settings=settings, **kwargs)
    assert outcome is not None
    return outcome


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment of a `vitalx worker` process on the test's database, with short timeouts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VITALX_")}
    return env | {
        "VITALX_DATABASE_URL": settings.database_url,
        "VITALX_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "VITALX_CROSSCHECK_STALE_AFTER_SECONDS": "3",
        "VITALX_CROSSCHECK_HEARTBEAT_SECONDS": "0.5",
        "VITALX_CROSSCHECK_POLL_SECONDS": "0.2",
        "PYTHONPATH": str(ROOT),
    }


# -- subject records ---------------------------------------------------------------------------


def add_birth(
    session: Session, *, days_old: int = 40, region: str = "420202", **values: Any
) -> Birth:
    """A birth record (child born `days_old` days ago at 08:30 Beijing time)."""
    born = datetime.combine(
        today_in_china() - timedelta(days=days_old), time(8, 30), tzinfo=SHANGHAI
    )
    fields: dict[str, Any] = {
        "certificate_no": certificate_no(),
        "child_sex": "female",
        "birth_datetime": born,
        "birth_region": region,
        "mother_id_number": id_number(),
        "mother_name": "王芳",
        "source": "maternal_health",
    }
    birth = Birth(**(fields | values))
    session.add(birth)
    session.flush()
    return birth


def add_entry(session: Session, birth: Birth | None = None, **values: Any) -> HouseholdEntry:
    """A household `birth` entry, by default registering `birth`'s child as it was certified."""
    born = birth.birth_datetime.astimezone(SHANGHAI).date() if birth else date(2026, 1, 2)
    fields: dict[str, Any] = {
        "entry_type": "birth",
        "person_id_number": id_number(birth_date=born, sex=birth.child_sex if birth else "male"),
        "person_name": (birth.child_name if birth else None) or "李明",
        "person_sex": birth.child_sex if birth else "male",
        "person_birth_date": born,
        "household_no": "420202000123",
        "household_region": birth.birth_region if birth else "420202",
        "registered_on": born + timedelta(days=7),
        "birth_certificate_no": birth.certificate_no if birth else None,
        "mother_id_number": birth.mother_id_number if birth else None,
        "source": "public_security",
    }
    entry = HouseholdEntry(**(fields | values))
    session.add(entry)
    session.flush()
    return entry


def add_person(session: Session, **values: Any) -> Person:
    """A person of 黄石港区 born 1990-05-06."""
    born = values.pop("birth_date", date(1990, 5, 6))
    fields: dict[str, Any] = {
        "id_number": id_number(birth_date=born),
        "name": "张丽",
        "sex": "female",
        "birth_date": born,
        "household_region": "420202",
        "household_no": "420202000456",
        "jurisdiction_region": "420202",
        "marital_status": "10",
        "source": "public_security",
    }
    person = Person(**(fields | values))
    session.add(person)
    session.flush()
    return person


def add_marriage(session: Session, person: Person, **values: Any) -> Marriage:
    """A marriage registration with `person` as party b."""
    fields: dict[str, Any] = {
        "record_type": "marriage",
        "certificate_no": f"J420202-2025-{uuid4().hex[:6]}",
        "registered_on": date(2025, 5, 1),
        "registry_region": "420202",
        "party_a_id_number": id_number(birth_date=date(1988, 1, 1), sex="male"),
        "party_a_name": "陈伟",
        "party_b_id_number": person.id_number,
        "party_b_name": person.name,
        "source": "civil_affairs",
    }
    marriage = Marriage(**(fields | values))
    session.add(marriage)
    session.flush()
    return marriage
