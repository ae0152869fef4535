"""Automatic checks of an application against shared data (信息共享替代证明材料).

Each check confirms a fact from the persons and marriages registers in place of a paper
proof: `pass`, `fail` (the register says otherwise) or `unavailable` (the register has no
record to confirm it with). Checks never judge eligibility, and registration has no
precondition on the number of children, so `child_order` is never looked at here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from api.models import Marriage, Person
from api.models.marriage import MarriageRecordType
from api.models.person import PersonStatus
from api.validation import id_number_sex, region_full_name

PASS, FAIL, UNAVAILABLE = "pass", "fail", "unavailable"
_GONE = {
    PersonStatus.DECEASED.value: "人口库记录该人员已死亡",
    PersonStatus.EMIGRATED.value: "人口库记录该人员已迁出",
    PersonStatus.CANCELLED.value: "人口库记录该人员户籍已注销",
}


@dataclass(frozen=True)
class Facts:
    """What an application asserts that shared data can confirm."""

    applicant_id_number: str
    applicant_name: str
    spouse_id_number: str | None
    spouse_name: str | None
    marriage_certificate_no: str | None
    household_region: str


def _check(code: str, name: str, result: str, detail: str) -> dict[str, str]:
    return {"code": code, "name": name, "result": result, "detail": detail}


def _region(code: str | None) -> str:
    return (region_full_name(code) if code else None) or (code or "未登记")


def _alive(role: str, label: str, person: Person | None, given: bool) -> dict[str, str]:
    code, name = f"{role}_on_record", f"{label}在人口库且健在"
    if not given:
        return _check(code, name, UNAVAILABLE, f"申请未填写{label}信息")
    if person is None or person.voided_at is not None:
        return _check(code, name, UNAVAILABLE, "全员人口库中没有该公民身份号码的记录")
    if person.status in _GONE:
        return _check(code, name, FAIL, _GONE[person.status])
    return _check(code, name, PASS, "全员人口库有此人记录，状态正常")


def _identity(
    role: str, label: str, person: Person | None, id_number: str | None, given_name: str | None
) -> dict[str, str]:
    code, name = f"{role}_identity", f"{label}姓名、性别与公民身份号码一致"
    if id_number is None:
        return _check(code, name, UNAVAILABLE, f"申请未填写{label}信息")
    if person is None or person.voided_at is not None:
        return _check(code, name, UNAVAILABLE, "无人口库记录可供核对")
    problems = []
    if person.name != given_name:
        problems.append("姓名与人口库记录不一致")
    if person.sex in ("male", "female") and person.sex != id_number_sex(id_number).value:
        problems.append("人口库记录的性别与公民身份号码不符")
    if problems:
        return _check(code, name, FAIL, "；".join(problems))
    return _check(code, name, PASS, "姓名、性别与人口库记录及公民身份号码一致")


def _couple_records(session: Session, a: str, b: str) -> list[Marriage]:
    query = select(Marriage).where(
        col(Marriage.voided_at).is_(None),
        or_(
            (col(Marriage.party_a_id_number) == a) & (col(Marriage.party_b_id_number) == b),
            (col(Marriage.party_a_id_number) == b) & (col(Marriage.party_b_id_number) == a),
        ),
    )
    return sorted(session.exec(query).all(), key=lambda m: (m.registered_on, m.created_at))


def _marriage(session: Session, facts: Facts) -> dict[str, str]:
    code, name = "marriage_on_record", "婚姻登记"
    if facts.spouse_id_number is None:
        return _check(code, name, UNAVAILABLE, "申请未填写配偶信息，无法核对婚姻登记")
    records = _couple_records(session, facts.applicant_id_number, facts.spouse_id_number)
    number = facts.marriage_certificate_no
    if number and not any(r.certificate_no == number for r in records):
        other = session.exec(
            select(Marriage.id).where(
                Marriage.certificate_no == number, col(Marriage.voided_at).is_(None)
            )
        ).first()
        if other is not None:
            return _check(code, name, FAIL, "该结婚证字号登记的不是申请人与配偶")
        if records:
            return _check(code, name, FAIL, "填写的结婚证字号与双方的婚姻登记不符")
        return _check(code, name, UNAVAILABLE, "婚姻登记库中没有该结婚证字号，也没有双方的登记")
    if not records:
        return _check(code, name, UNAVAILABLE, "婚姻登记库中没有双方的婚姻登记记录")
    latest = records[-1]
    if latest.record_type == MarriageRecordType.DIVORCE.value:
        return _check(code, name, FAIL, f"婚姻登记显示双方已于{latest.registered_on}登记离婚")
    shown = next((r for r in records if r.certificate_no == number), latest)
    return _check(
        code,
        name,
        PASS,
        f"双方婚姻登记在案（结婚证字号 {shown.certificate_no}，登记日期 {shown.registered_on}）",
    )


def _same_place(stated: str, recorded: str | None) -> bool:
    # A county code matches any township in it, and a township only itself or its villages.
    if not recorded:
        return False
    return recorded.startswith(stated) or (stated.startswith(recorded) and len(stated) > 6)


def _household(facts: Facts, people: Iterable[tuple[str, Person | None]]) -> dict[str, str]:
    code, name = "household_region", "户籍地"
    known = [(label, p) for label, p in people if p is not None and p.household_region]
    if not known:
        return _check(code, name, UNAVAILABLE, "人口库中没有申请人或配偶的户籍地记录")
    for label, person in known:
        if _same_place(facts.household_region, person.household_region):
            return _check(
                code, name, PASS, f"与{label}户籍登记一致（{_region(person.household_region)}）"
            )
    recorded = "、".join(f"{label}：{_region(p.household_region)}" for label, p in known)
    return _check(
        code,
        name,
        FAIL,
        f"申请填写的户籍地（{_region(facts.household_region)}）与人口库登记不一致（{recorded}）",
    )


def run_checks(session: Session, facts: Facts) -> list[dict[str, Any]]:
    """Every check of an application, in a fixed order; never raises for missing data."""
    numbers = [n for n in (facts.applicant_id_number, facts.spouse_id_number) if n]
    found = session.exec(select(Person).where(col(Person.id_number).in_(numbers))).all()
    by_number = {p.id_number: p for p in found}
    applicant = by_number.get(facts.applicant_id_number)
    spouse = by_number.get(facts.spouse_id_number) if facts.spouse_id_number else None
    has_spouse = facts.spouse_id_number is not None
    return [
        _alive("applicant", "申请人", applicant, True),
        _identity(
            "applicant", "申请人", applicant, facts.applicant_id_number, facts.applicant_name
        ),
        _alive("spouse", "配偶", spouse, has_spouse),
        _identity("spouse", "配偶", spouse, facts.spouse_id_number, facts.spouse_name),
        _marriage(session, facts),
        _household(facts, [("申请人", applicant), ("配偶", spouse)]),
    ]
