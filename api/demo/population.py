"""A demo population of Huangshi (黄石市, 4202xx) with clients and staff users to try it with.

The records come from the synthetic generator, so the nightly cross-check has real work:
unregistered births, late registrations, typos, twins, duplicates and reissues. Rows are
loaded as first versions of each record (with their history entries); the change feed
starts empty because loading a baseline is not a change anyone needs to replay.
"""

import json
import os
import random
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, select

from api.access.accounts import create_client, create_staff_user
from api.access.policy import Department, Role
from api.demo.applications import load_applications
from api.demo.synthetic import generate
from api.models import Birth, HouseholdEntry, Marriage, Person, RecordVersion, UltrasoundExam
from api.models.base import new_id
from api.models.types import utcnow
from api.records.registries.persons import jurisdiction_region

DEMO_PREFECTURE = "420200"
DEMO_CLIENTS = (
    ("黄石市妇幼保健信息系统", Department.MATERNAL_HEALTH, DEMO_PREFECTURE),
    ("黄石市公安局户政管理系统", Department.PUBLIC_SECURITY, DEMO_PREFECTURE),
    ("黄石市民政局婚姻登记系统", Department.CIVIL_AFFAIRS, DEMO_PREFECTURE),
    ("黄石市卫生健康委员会", Department.HEALTH_COMMISSION, DEMO_PREFECTURE),
    ("湖北省数据安全审计", Department.AUDITOR, "420000"),
)
DEMO_USERS = (
    ("clerk", Role.CLERK, "420202"),
    ("reviewer", Role.REVIEWER, DEMO_PREFECTURE),
    ("supervisor", Role.SUPERVISOR, DEMO_PREFECTURE),
    ("auditor", Role.AUDITOR, "420000"),
    ("admin", Role.ADMIN, "000000"),
)
SOURCE_OF = {
    "birth": Department.MATERNAL_HEALTH,
    "household_entry": Department.PUBLIC_SECURITY,
    "person": Department.PUBLIC_SECURITY,
    "marriage": Department.CIVIL_AFFAIRS,
    "ultrasound_exam": Department.MATERNAL_HEALTH,
}
RESOURCE_OF = {
    "birth": "births",
    "household_entry": "household-entries",
    "person": "persons",
    "marriage": "marriages",
    "ultrasound_exam": "ultrasound-exams",
}
MODELS: dict[str, type[SQLModel]] = {
    "person": Person,
    "birth": Birth,
    "household_entry": HouseholdEntry,
    "marriage": Marriage,
    "ultrasound_exam": UltrasoundExam,
}


@dataclass(frozen=True)
class DemoCredentials:
    """What a person trying the demo logs in with."""

    clients: list[dict[str, str]]
    users: list[dict[str, str]]


@dataclass(frozen=True)
class DemoSummary:
    """How many records of each kind were loaded."""

    counts: dict[str, int]
    credentials: DemoCredentials
    # The public verification URL of one issued birth-service certificate.
    verification_url: str | None = None


def database_is_empty(session: Session) -> bool:
    """True when no person, birth or client exists yet."""
    return session.exec(select(Person.id).limit(1)).first() is None


def _exams(
    persons: list[dict[str, Any]], births: list[dict[str, Any]], seed: int
) -> list[dict[str, Any]]:
    # One prenatal exam of each mother some weeks before her delivery: enough to browse.
    rng = random.Random(seed)
    names = {p["id_number"]: p["name"] for p in persons}
    exams = []
    for n, birth in enumerate(births[: max(1, len(births) // 2)]):
        born: datetime = birth["birth_datetime"]
        weeks = rng.randint(12, 32)
        exams.append(
            {
                "exam_no": f"US{n + 1:08d}",
                "facility_code": birth["facility_code"] or "H420202001",
                "exam_region": birth["birth_region"],
                "exam_datetime": born - timedelta(weeks=39 - weeks, hours=rng.randint(0, 6)),
                "examinee_id_number": birth["mother_id_number"],
                "examinee_name": names.get(birth["mother_id_number"], birth["mother_name"]),
                "operator_name": "张医生",
                "operator_license_no": f"1104202{rng.randint(10000000, 99999999)}",
                "indication": "prenatal",
                "gestational_weeks": weeks,
                "fetal_count": birth["plurality"],
                "findings_summary": "宫内妊娠，胎儿发育与孕周相符。",
            }
        )
    return exams


def _complete(table: str, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    row = {k: v for k, v in row.items() if k != "created_at"}
    department = SOURCE_OF[table].value
    if table == "person":
        row.setdefault("ethnicity", "01")
        row.setdefault("residence_region", row.get("household_region"))
        row["jurisdiction_region"] = jurisdiction_region(
            row.get("household_region"), row.get("residence_region")
        )
        row["sources"] = [department]
    if table == "household_entry":
        row.setdefault("person_ethnicity", "01")
    # Build through the model so that every column default applies, then insert in bulk.
    model = MODELS[table](**row, source=department, created_at=now, updated_at=now)
    return model.model_dump()


def _versions(table: str, rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    department = SOURCE_OF[table].value
    return [
        RecordVersion(
            id=new_id(),
            resource=RESOURCE_OF[table],
            record_id=row["id"],
            version=1,
            action="create",
            data=json.loads(MODELS[table].model_validate(row).model_dump_json()),
            changed_at=now,
            changed_by="demo",
            department=department,
        ).model_dump()
        for row in rows
    ]


def load_population(session: Session, *, births: int, seed: int, as_of: date) -> dict[str, int]:
    """Insert a synthetic population, every record as its first version."""
    data = generate(births, seed=seed, region_prefix=DEMO_PREFECTURE[:4], as_of=as_of)
    tables = data.rows()
    tables["ultrasound_exam"] = _exams(tables["person"], tables["birth"], seed)
    for row in tables["ultrasound_exam"]:
        row["id"] = new_id()
    now = utcnow()
    counts: dict[str, int] = {}
    for table in ("person", "birth", "household_entry", "marriage", "ultrasound_exam"):
        rows = [_complete(table, row, now) for row in tables[table]]
        if rows:
            session.execute(insert(MODELS[table]), rows)
            session.execute(insert(RecordVersion), _versions(table, rows, now))
        counts[RESOURCE_OF[table]] = len(rows)
    return counts


def create_demo_credentials(session: Session) -> DemoCredentials:
    """Create one client per department and one staff user per role, with fresh secrets."""
    clients = []
    for name, department, region in DEMO_CLIENTS:
        made = create_client(session, name=name, department=department, region=region)
        clients.append(
            {
                "name": name,
                "department": department.value,
                "region": region,
                "client_id": made.client.client_id,
                "client_secret": made.client_secret,
            }
        )
    users = []
    for username, role, region in DEMO_USERS:
        password = f"demo-{secrets.token_urlsafe(9)}"
        create_staff_user(session, username=username, password=password, role=role, region=region)
        users.append(
            {"username": username, "password": password, "role": role.value, "region": region}
        )
    return DemoCredentials(clients, users)


def seed_demo(
    session: Session,
    *,
    births: int,
    seed: int,
    as_of: date,
    base_url: str = "http://127.0.0.1:8000",
) -> DemoSummary:
    """Load the demo population, its birth-service applications and credentials."""
    counts = load_population(session, births=births, seed=seed, as_of=as_of)
    applications = load_applications(session, seed=seed, today=as_of, base_url=base_url)
    counts["birth-service-applications"] = applications.count
    return DemoSummary(counts, create_demo_credentials(session), applications.verification_url)


def save_credentials(credentials: DemoCredentials, path: Path) -> None:
    """Keep the demo credentials (readable by the owner only) so `make run` can show them again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(credentials), handle, ensure_ascii=False, indent=2)


def read_credentials(path: Path) -> DemoCredentials | None:
    """The saved demo credentials, if the demo was loaded on this machine."""
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return DemoCredentials(saved["clients"], saved["users"])


def demo_as_of() -> date:
    """Today in Asia/Shanghai: the demo's births lie before it."""
    from api.validation import today_in_china

    return today_in_china()
