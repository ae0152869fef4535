"""The automatic checks: each result from the registers, never an error, never eligibility."""

from datetime import date

import pytest
from sqlmodel import Session

from api.applications.checks import FAIL, PASS, UNAVAILABLE, Facts, run_checks
from api.models import Marriage, Person
from tests.factories import id_number


def _person(
    session: Session, *, sex: str = "female", name: str = "王芳", **fields: object
) -> Person:
    born = date(1993, 5, 20) if sex == "male" else date(1995, 3, 4)
    person = Person(
        id_number=id_number(sex=sex, birth_date=born),
        name=name,
        sex=sex,
        birth_date=born,
        household_region=fields.pop("household_region", "420202"),
        jurisdiction_region="420202",
        source="public_security",
        **fields,
    )
    session.add(person)
    session.flush()
    return person


def _marriage(session: Session, a: Person, b: Person, kind: str, day: date, number: str) -> None:
    session.add(
        Marriage(
            record_type=kind,
            certificate_no=number,
            registered_on=day,
            registry_region="420202",
            party_a_id_number=a.id_number,
            party_a_name=a.name,
            party_b_id_number=b.id_number,
            party_b_name=b.name,
            source="civil_affairs",
        )
    )
    session.flush()


def _facts(wife: Person | None, husband: Person | None, **over: object) -> Facts:
    values: dict[str, object] = {
        "applicant_id_number": wife.id_number if wife else id_number(),
        "applicant_name": wife.name if wife else "李娜",
        "spouse_id_number": husband.id_number if husband else None,
        "spouse_name": husband.name if husband else None,
        "marriage_certificate_no": None,
        "household_region": "420202",
    }
    values.update(over)
    return Facts(**values)  # type: ignore[arg-type]


def _results(session: Session, facts: Facts) -> dict[str, str]:
    return {c["code"]: c["result"] for c in run_checks(session, facts)}


def test_every_check_passes_for_a_married_couple_on_record(session: Session) -> None:
    wife, husband = _person(session), _person(session, sex="male", name="张伟")
    _marriage(session, husband, wife, "marriage", date(2020, 1, 1), "J1")

    checks = run_checks(session, _facts(wife, husband, marriage_certificate_no="J1"))

    assert {c["result"] for c in checks} == {PASS}
    assert all(set(c) == {"code", "name", "result", "detail"} for c in checks)
    assert [c["code"] for c in checks] == [
        "applicant_on_record",
        "applicant_identity",
        "spouse_on_record",
        "spouse_identity",
        "marriage_on_record",
        "household_region",
    ]


def test_nobody_on_record_is_unavailable_everywhere(session: Session) -> None:
    assert set(_results(session, _facts(None, None)).values()) == {UNAVAILABLE}


@pytest.mark.parametrize(
    ("status", "death_date"),
    [("deceased", date(2024, 1, 1)), ("emigrated", None), ("cancelled", None)],
)
def test_a_person_no_longer_in_the_register_fails(
    session: Session, status: str, death_date: date | None
) -> None:
    wife = _person(session)
    husband = _person(session, sex="male", name="张伟", status=status, death_date=death_date)

    assert _results(session, _facts(wife, husband))["spouse_on_record"] == FAIL


def test_a_name_that_differs_from_the_register_fails_the_identity_check(session: Session) -> None:
    wife = _person(session)

    results = _results(session, _facts(wife, None, applicant_name="王芳芳"))

    assert results["applicant_identity"] == FAIL
    assert results["applicant_on_record"] == PASS


def test_a_recorded_sex_that_contradicts_the_id_number_fails(session: Session) -> None:
    wife = _person(session)
    wife.sex = "male"

    assert _results(session, _facts(wife, None))["applicant_identity"] == FAIL


def test_marriage_results(session: Session) -> None:
    wife, husband = _person(session), _person(session, sex="male", name="张伟")
    other = _person(session, sex="male", name="赵强")
    _marriage(session, other, _person(session, name="周敏"), "marriage", date(2019, 1, 1), "J9")

    def marriage(**over: object) -> str:
        return _results(session, _facts(wife, husband, **over))["marriage_on_record"]

    assert marriage() == UNAVAILABLE
    assert marriage(marriage_certificate_no="J404") == UNAVAILABLE
    assert marriage(marriage_certificate_no="J9") == FAIL  # someone else's certificate
    _marriage(session, wife, husband, "marriage", date(2020, 1, 1), "J1")
    assert marriage() == PASS
    assert marriage(marriage_certificate_no="J1") == PASS
    assert marriage(marriage_certificate_no="J404") == FAIL
    _marriage(session, husband, wife, "divorce", date(2023, 1, 1), "L1")
    assert marriage() == FAIL
    _marriage(session, wife, husband, "restored", date(2024, 1, 1), "F1")
    assert marriage() == PASS
    assert _results(session, _facts(wife, None))["marriage_on_record"] == UNAVAILABLE


def test_household_region_matches_either_spouse_by_county_or_township(session: Session) -> None:
    wife = _person(session, household_region="420202001")
    husband = _person(session, sex="male", name="张伟", household_region="420281")

    def region(stated: str) -> str:
        return _results(session, _facts(wife, husband, household_region=stated))["household_region"]

    assert region("420202") == PASS
    assert region("420202001") == PASS
    assert region("420281") == PASS
    assert region("420202002") == FAIL
    assert region("420203") == FAIL


def test_checks_never_look_at_the_number_of_children() -> None:
    assert "child_order" not in Facts.__dataclass_fields__
