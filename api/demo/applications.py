"""Demo birth-service applications: couples of the demo population in every status.

They are submitted and moved through the service itself, so their checks, history,
versions, feed events and audit events are what real work leaves. Most come online, some
at the counter; one unknown applicant shows checks without records; one issued
certificate's verification URL is returned for `vitalx demo` to print.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import ValidationError
from sqlmodel import Session, col, select

from api.access.policy import Department, Purpose, Scope
from api.access.principal import Access, ActorType, tokenless_access
from api.applications import service
from api.certificates.documents import verification_url
from api.models import Marriage, Person
from api.models.birth_service_application import ApplicationIn, Channel

PREFECTURE = "420200"
# What happens to each demo application after it is submitted, in order.
PLAN: tuple[tuple[str, ...], ...] = (
    ("issue",),
    (),
    (),
    ("request-correction",),
    ("request-correction", "resubmit"),
    ("issue",),
    ("reject",),
    ("withdraw",),
    (),
    ("issue", "withdraw"),
    ("issue", "reissue"),
    (),
)
COUNTER_EVERY = 4  # one application in four comes to the counter


@dataclass(frozen=True)
class DemoApplications:
    """How many applications were loaded, and a certificate anyone can verify."""

    count: int
    verification_url: str | None


def _demo_access(subject: str, *, review: bool) -> Access:
    scopes = {Scope.APPLICATIONS_READ, Scope.APPLICATIONS_WRITE}
    if review:
        scopes.add(Scope.APPLICATIONS_REVIEW)
    return tokenless_access(
        ActorType.CLI,
        subject=subject,
        department=Department.HEALTH_COMMISSION,
        region=PREFECTURE,
        purpose=Purpose.BIRTH_SERVICE,
        scopes=frozenset(scopes),
    )


def _couples(session: Session, limit: int) -> list[tuple[Person, Person, Marriage]]:
    marriages = session.exec(
        select(Marriage)
        .where(Marriage.record_type == "marriage", col(Marriage.voided_at).is_(None))
        .order_by(col(Marriage.registered_on).desc(), col(Marriage.id))
        .limit(limit * 4)
    ).all()
    numbers = {n for m in marriages for n in (m.party_a_id_number, m.party_b_id_number)}
    persons = {
        p.id_number: p
        for p in session.exec(select(Person).where(col(Person.id_number).in_(numbers))).all()
    }
    couples = []
    for marriage in marriages:
        a, b = persons.get(marriage.party_a_id_number), persons.get(marriage.party_b_id_number)
        if a is None or b is None or a.status != "active" or b.status != "active":
            continue
        wife, husband = (a, b) if a.sex == "female" else (b, a)
        if (wife.household_region or "").startswith(PREFECTURE[:4]):
            couples.append((wife, husband, marriage))
    return couples[:limit]


def _body(
    wife: Person,
    husband: Person,
    marriage: Marriage | None,
    n: int,
    rng: random.Random,
    today: date,
) -> ApplicationIn:
    region = (wife.household_region or PREFECTURE)[:6]
    return ApplicationIn.model_validate(
        {
            "applicant": {
                "id_number": wife.id_number,
                "name": wife.name,
                "phone": f"13{rng.randint(100000000, 999999999)}",
            },
            "spouse": {"id_number": husband.id_number, "name": husband.name},
            "marriage_certificate_no": marriage.certificate_no if marriage else None,
            "child_order": (1, 2, 1, 3, 2)[n % 5],
            "expected_due_date": today + timedelta(days=rng.randint(30, 250)),
            "household_region": region,
            "residence_region": (wife.residence_region or region)[:6],
            "channel": Channel.COUNTER
            if n % COUNTER_EVERY == COUNTER_EVERY - 1
            else Channel.ONLINE,
            "commitment": True,
        }
    )


def _unknown_couple(rng: random.Random) -> tuple[Person, Person]:
    from api.validation import id_number_check_char

    def person(name: str, sex: str, born: str, seq: int) -> Person:
        first17 = f"420202{born}{seq:03d}"
        return Person(
            id_number=first17 + id_number_check_char(first17),
            name=name,
            sex=sex,
            birth_date=date(int(born[:4]), int(born[4:6]), int(born[6:])),
            household_region="420202",
            residence_region="420202",
            source="",
            jurisdiction_region="420202",
        )

    return person("阿依古丽·买买提", "female", "19960812", 2 * rng.randint(400, 490)), person(
        "𠮷永强", "male", "19940321", 2 * rng.randint(400, 490) + 1
    )


def load_applications(
    session: Session, *, seed: int, today: date, base_url: str
) -> DemoApplications:
    """Submit the demo applications and move each as `PLAN` says."""
    rng = random.Random(seed)
    clerk = _demo_access("demo-clerk", review=False)
    reviewer = _demo_access("demo-reviewer", review=True)
    bodies: list[ApplicationIn] = []
    for wife, husband, marriage in _couples(session, 4 * len(PLAN)):
        try:  # the demo registers carry typos on purpose; an application must be valid
            bodies.append(_body(wife, husband, marriage, len(bodies), rng, today))
        except ValidationError:
            continue
        if len(bodies) == len(PLAN) - 1:
            break
    # Not in the registers: the reviewer sees checks that could not confirm anything.
    bodies.append(_body(*_unknown_couple(rng), None, len(bodies), rng, today))
    url = None
    for body, steps in zip(bodies, PLAN, strict=False):
        app = service.create_application(session, body=body, access=clerk)
        for step in steps:
            if step == "issue":
                outcome = service.issue(session, app.id, access=reviewer)
                if url is None and steps == ("issue",):
                    url = verification_url(
                        base_url, str(app.certificate_no), outcome.verification_code
                    )
            elif step == "reissue":
                service.reissue(session, app.id, reason="原证明遗失，申请补发", access=reviewer)
            elif step == "request-correction":
                reasons = ["联系电话无法接通，请核实", "请补充填写结婚证字号"]
                service.request_correction(session, app.id, reasons=reasons, access=reviewer)
            elif step == "resubmit":
                patch = {"applicant": {"phone": f"139{rng.randint(10000000, 99999999)}"}}
                service.resubmit_application(
                    session, app.id, expected_version=app.version, patch=patch, access=clerk
                )
            elif step == "reject":
                service.reject(
                    session, app.id, reason="申请人户籍不在本辖区，请到户籍地办理", access=reviewer
                )
            elif step == "withdraw":
                service.withdraw(session, app.id, reason="申请人申请撤回", access=clerk)
    return DemoApplications(min(len(bodies), len(PLAN)), url)
