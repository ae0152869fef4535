"""Valid request bodies (interface §4) so that each test states only what it is about.

Every builder returns a fresh JSON-ready dict; keyword overrides replace top-level fields
(nested objects are replaced whole) and `OMIT` removes one: `birth_body(father=OMIT)`.
ID numbers carry a correct GB 11643 check character, and identifiers that must be unique
(certificate numbers, exam numbers, ID sequence numbers) differ on every call.
"""

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from api.access.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department, Scope
from api.access.principal import Access, Principal
from api.validation import id_number_check_char, today_in_china

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
REGION: Final = "420202"  # 湖北省黄石市黄石港区, inside the default test jurisdiction 420200
FACILITY: Final = "420202001"
OMIT: Final = object()

_serial = itertools.count(1)
_FAMILY = "王李张刘陈杨黄赵吴周"
_GIVEN_FEMALE = ("芳", "娜", "秀英", "敏", "静", "丽", "艳", "婷")
_GIVEN_MALE = ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛")


def _next() -> int:
    return next(_serial)


def _apply(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is OMIT:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def days_ago(days: int) -> date:
    """The date `days` before today in Asia/Shanghai."""
    return today_in_china() - timedelta(days=days)


def instant(day: date, at: time = time(8, 30)) -> str:
    """RFC 3339 with the +08:00 offset, as department systems send instants."""
    return datetime.combine(day, at, tzinfo=SHANGHAI).isoformat()


def name(sex: str = "female") -> str:
    """A common two- or three-character Chinese name, different on successive calls."""
    n = _next()
    given = _GIVEN_MALE if sex == "male" else _GIVEN_FEMALE
    return _FAMILY[n % len(_FAMILY)] + given[n % len(given)]


def id_number(
    region: str = REGION,
    birth_date: date = date(1995, 3, 4),
    sex: str = "female",
    seq: int | None = None,
) -> str:
    """A valid 18-character resident ID; the sequence's parity follows `sex` (odd = male)."""
    if seq is None:
        # 2..998 even for women, 3..999 odd for men; never 000.
        seq = 2 * (_next() % 498 + 1) + (1 if sex == "male" else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


def certificate_no(letter: str = "Q") -> str:
    """A birth certificate number (one uppercase letter, 9 digits), new on every call."""
    return f"{letter}{420200000 + _next():09d}"


def person_ref(
    sex: str = "female", birth_date: date = date(1995, 3, 4), **overrides: Any
) -> dict[str, Any]:
    """`{id_number, name}` of a person named on a record."""
    ref = {"id_number": id_number(birth_date=birth_date, sex=sex), "name": name(sex)}
    return _apply(ref, overrides)


def person_body(**overrides: Any) -> dict[str, Any]:
    """A person as public security creates it (POST /v1/persons)."""
    sex = overrides.get("sex", "female")
    born = overrides.pop("birth_date", date(1995, 3, 4))
    # A date keeps the ID number in agreement; a string is sent as given (to test refusals).
    born_date = born if isinstance(born, date) else date(1995, 3, 4)
    body = {
        "id_number": id_number(birth_date=born_date, sex=sex if sex == "male" else "female"),
        "name": name(sex),
        "sex": sex,
        "birth_date": born.isoformat() if isinstance(born, date) else born,
        "ethnicity": "01",
        "household_region": REGION,
        "household_no": f"4202020{_next():05d}",
        "residence_region": REGION,
    }
    return _apply(body, overrides)


def birth_body(**overrides: Any) -> dict[str, Any]:
    """A birth record as maternal health submits it (POST /v1/births)."""
    body = {
        "certificate_no": certificate_no(),
        "child_sex": "female",
        "birth_datetime": instant(days_ago(10)),
        "birth_weight_g": 3250,
        "gestational_weeks": 39,
        "plurality": 1,
        "birth_order": 1,
        "place_type": "hospital",
        "facility_code": FACILITY,
        "birth_region": REGION,
        "mother": person_ref("female"),
    }
    return _apply(body, overrides)


def ultrasound_exam_body(**overrides: Any) -> dict[str, Any]:
    """A prenatal ultrasound exam registration (POST /v1/ultrasound-exams)."""
    body = {
        "exam_no": f"US{_next():08d}",
        "facility_code": FACILITY,
        "exam_region": REGION,
        "exam_datetime": instant(days_ago(20), time(9, 15)),
        "examinee": person_ref("female"),
        "operator": {"name": name("male"), "license_no": f"1104202{_next():08d}"},
        "indication": "prenatal",
        "gestational_weeks": 20,
        "fetal_count": 1,
        "findings_summary": "宫内单活胎，胎心规律。",
    }
    return _apply(body, overrides)


def household_entry_body(**overrides: Any) -> dict[str, Any]:
    """A move-in entry of an adult (POST /v1/household-entries)."""
    sex = "male"
    born = date(1990, 7, 15)
    body = {
        "entry_type": "move_in",
        "person": {
            "id_number": id_number(birth_date=born, sex=sex),
            "name": name(sex),
            "sex": sex,
            "birth_date": born.isoformat(),
            "ethnicity": "01",
        },
        "household_no": f"4202020{_next():05d}",
        "household_region": REGION,
        "registered_on": days_ago(5).isoformat(),
    }
    return _apply(body, overrides)


def household_birth_entry_body(birth: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The household `birth` entry that registers the child of `birth` (a `birth_body`)."""
    born = datetime.fromisoformat(birth["birth_datetime"]).astimezone(SHANGHAI).date()
    sex = birth["child_sex"]
    body = household_entry_body(
        entry_type="birth",
        person={
            "id_number": id_number(region=birth["birth_region"][:6], birth_date=born, sex=sex),
            "name": birth.get("child_name") or name(sex),
            "sex": sex,
            "birth_date": born.isoformat(),
            "ethnicity": "01",
        },
        household_region=birth["birth_region"],
        registered_on=min(born + timedelta(days=7), today_in_china()).isoformat(),
        birth_certificate_no=birth["certificate_no"],
        mother_id_number=birth["mother"]["id_number"],
    )
    return _apply(body, overrides)


def marriage_body(**overrides: Any) -> dict[str, Any]:
    """A marriage registration of a man and a woman (POST /v1/marriages)."""
    registered = days_ago(200)
    body = {
        "record_type": "marriage",
        "certificate_no": f"J{REGION}-{registered.year}-{_next():06d}",
        "registered_on": registered.isoformat(),
        "registry_region": REGION,
        "party_a": person_ref("male", date(1993, 5, 20)),
        "party_b": person_ref("female"),
    }
    return _apply(body, overrides)


def application_body(**overrides: Any) -> dict[str, Any]:
    """A birth-service application submitted online (POST /v1/birth-service-applications)."""
    body = {
        "applicant": {**person_ref("female"), "phone": f"138{_next():08d}"},
        "spouse": person_ref("male", date(1993, 5, 20)),
        "child_order": 1,
        "expected_due_date": (today_in_china() + timedelta(days=150)).isoformat(),
        "household_region": REGION,
        "residence_region": REGION,
        "channel": "online",
        "commitment": True,
    }
    return _apply(body, overrides)


def access_for(
    department: str,
    region: str = "420200",
    *,
    scopes: tuple[Scope, ...] | None = None,
    staff: bool = False,
    purpose_stated: bool = False,
) -> Access:
    """An `Access` as the token dependency would build it, without a token."""
    dept = Department(department)
    principal = Principal(
        subject=f"test-{dept.value}-{region}",
        actor_type="user" if staff else "client",
        department=dept,
        region=region,
        scopes=frozenset(DEPARTMENT_SCOPES[dept] if scopes is None else scopes),
        purposes=DEPARTMENT_PURPOSES[dept],
        jti="test",
    )
    return Access(principal, principal.purposes[0], purpose_stated)
