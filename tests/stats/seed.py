"""Rows for the statistics tests, put straight into the tables: births, household entries,
discrepancies and applications on known days."""

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from api.models import Birth, BirthServiceApplication, Discrepancy, HouseholdEntry
from api.stats.statistic import Statistic
from tests.factories import SHANGHAI, access_for, certificate_no, id_number

HUANGSHI = access_for("health_commission", "420200")
AS_OF = date(2026, 3, 31)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on `day` in Asia/Shanghai."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def add_birth(
    session: Session,
    born: datetime,
    *,
    region: str = "420202",
    sex: str = "female",
    status: str = "registered",
    voided: bool = False,
    replaces: str | None = None,
    mother: str | None = None,
) -> Birth:
    birth = Birth(
        source="maternal_health",
        certificate_no=certificate_no(),
        child_sex=sex,
        birth_datetime=born,
        birth_region=region,
        mother_id_number=mother or id_number(),
        mother_name="王芳",
        status=status,
        voided_at=born if voided else None,
        replaces_certificate_no=replaces,
    )
    session.add(birth)
    session.flush()
    return birth


def add_birth_entry(
    session: Session,
    birth: Birth,
    registered_on: date,
    *,
    cites: str | None = "certificate",
    born_on: date | None = None,
) -> HouseholdEntry:
    """A household `birth` entry for `birth`, citing its certificate or only its mother."""
    day = born_on or birth.birth_datetime.astimezone(SHANGHAI).date()
    entry = HouseholdEntry(
        source="public_security",
        entry_type="birth",
        person_id_number=id_number(birth_date=day, sex=birth.child_sex),
        person_name="王小宝",
        person_sex=birth.child_sex,
        person_birth_date=day,
        household_no="420202000001",
        household_region=birth.birth_region,
        registered_on=registered_on,
        birth_certificate_no=birth.certificate_no if cites == "certificate" else None,
        mother_id_number=birth.mother_id_number if cites == "mother" else None,
    )
    session.add(entry)
    session.flush()
    return entry


def add_discrepancy(
    session: Session, kind: str, *, status: str = "open", due_by: date, region: str = "420202"
) -> None:
    session.add(
        Discrepancy(
            fingerprint=secrets.token_hex(16),
            type=kind,
            region=region,
            status=status,
            detected_at=at(due_by - timedelta(days=30)),
            due_by=due_by,
            subjects=[{"resource": "births", "id": "x"}],
            first_run_id="run",
            last_seen_run_id="run",
        )
    )
    session.flush()


def add_application(session: Session, channel: str, region: str = "420202") -> None:
    session.add(
        BirthServiceApplication(
            source="health_commission",
            applicant_id_number=id_number(),
            applicant_name="王芳",
            applicant_phone="13800000000",
            child_order=1,
            household_region=region,
            residence_region=region,
            channel=channel,
        )
    )
    session.flush()


def by_region(statistic: Statistic) -> dict[str, dict[str, Any]]:
    return {item["region"]: item for item in statistic.items}
