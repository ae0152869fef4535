"""Why a discrepancy was raised, in one Chinese sentence a clerk can act on.

"出生医学证明编号不一致：Q420212345 / Q420212354" — the values come from the subject
records as the reader may see them (masked ID numbers for staff), and from the finding's
details when a record can no longer be read.
"""

from collections.abc import Callable
from typing import Any

from api.access.principal import Access
from api.crosscheck.labels import FIELD_NAMES, MARITAL_NAMES, MARRIAGE_EVENTS, SEX_NAMES, named
from api.crosscheck.subjects import Subjects, birth_day, parent_id, unmasked
from api.models import Birth, Discrepancy, HouseholdEntry
from api.validation.time_limits import REGISTRATION_DAYS

EMPTY = "（空）"


def _v(value: Any) -> str:
    return str(value) if value not in (None, "") else EMPTY


def _child(birth: Birth) -> str:
    name = f"{birth.child_name}，" if birth.child_name else ""
    return f"{name}{birth_day(birth)}出生，出生医学证明{birth.certificate_no}"


def _not_registered(row: Discrepancy, s: Subjects, access: Access) -> str:
    births = s.of(row, "births")
    if not births:
        return f"出生已超过{REGISTRATION_DAYS}天的婴儿尚未办理出生户口登记。"
    birth = births[0]
    return (
        f"婴儿（{_child(birth)}，母亲{birth.mother_name}）出生已超过{REGISTRATION_DAYS}天，"
        "仍未办理出生户口登记。"
    )


def _without_birth(row: Discrepancy, s: Subjects, access: Access) -> str:
    entries = s.of(row, "household-entries")
    if not entries:
        return "户籍出生登记找不到对应的出生医学证明。"
    entry = entries[0]
    cited = (
        f"，所附出生医学证明编号{entry.birth_certificate_no}查无此证"
        if entry.birth_certificate_no
        else "，且未填写出生医学证明编号"
    )
    return (
        f"户号{entry.household_no}于{entry.registered_on}办理的出生户口登记"
        f"（{entry.person_name}，{entry.person_birth_date}出生）找不到对应的出生医学证明{cited}。"
    )


def _pair(field: str, birth: Birth, entry: HouseholdEntry, access: Access) -> tuple[str, str]:
    if field == "certificate_no":
        return _v(birth.certificate_no), _v(entry.birth_certificate_no)
    if field == "child_sex":
        return named(SEX_NAMES, birth.child_sex), named(SEX_NAMES, entry.person_sex)
    if field == "birth_date":
        return str(birth_day(birth)), str(entry.person_birth_date)
    if field == "mother_id_number":
        return _v(parent_id(birth.mother_id_number, access)), _v(
            parent_id(entry.mother_id_number, access)
        )
    if field == "child_name":
        return _v(birth.child_name), _v(entry.person_name)
    return EMPTY, EMPTY


def _mismatch(row: Discrepancy, s: Subjects, access: Access) -> str:
    births, entries = s.of(row, "births"), s.of(row, "household-entries")
    if not births or not entries or not row.fields:
        names = "、".join(named(FIELD_NAMES, f) for f in row.fields) or "部分信息"
        return f"出生医学证明与户籍登记的{names}不一致。"
    parts = []
    for field in row.fields:
        left, right = _pair(field, births[0], entries[0], access)
        label = named(FIELD_NAMES, field)
        if left == right:  # differs only in what the mask hides
            parts.append(f"{label}不一致（差异在隐去的部分）")
        else:
            parts.append(f"{label}不一致：{left} / {right}")
    return "；".join(parts) + "（出生医学证明 / 户籍登记）。"


def _duplicate_births(row: Discrepancy, s: Subjects, access: Access) -> str:
    births = s.of(row, "births")
    original = row.details.get("original")
    births.sort(key=lambda b: b.id != original)
    if len(births) < 2:
        return "两份出生医学证明记录的是同一名婴儿，重复的一份应予作废。"
    first, second = births[0], births[1]
    return (
        f"出生医学证明{first.certificate_no}与{second.certificate_no}记录的是同一名婴儿"
        f"（{birth_day(first)}出生，母亲{first.mother_name}），"
        f"后录入的{second.certificate_no}应予核实作废。"
    )


def _duplicate_persons(row: Discrepancy, s: Subjects, access: Access) -> str:
    persons = s.of(row, "persons")
    if len(persons) < 2:
        return "两条人员记录疑为同一人，身份证号码仅一位之差。"
    a, b = persons[0], persons[1]
    numbers = f"：{a.id_number} / {b.id_number}" if unmasked(access) else ""
    return (
        f"两条人员记录疑为同一人（{a.name}，{named(SEX_NAMES, a.sex)}，{a.birth_date}出生），"
        f"身份证号码仅一位之差{numbers}。"
    )


def _marital(row: Discrepancy, s: Subjects, access: Access) -> str:
    persons, marriages = s.of(row, "persons"), s.of(row, "marriages")
    status = row.details.get("marital_status")
    event = named(MARRIAGE_EVENTS, row.details.get("latest_record_type"))
    on = row.details.get("latest_registered_on") or ""
    if marriages:
        event, on = (
            named(MARRIAGE_EVENTS, marriages[0].record_type),
            str(marriages[0].registered_on),
        )
    who = persons[0].name if persons else "该人员"
    if persons:
        status = persons[0].marital_status or status
    return (
        f"{who}在人员信息中的婚姻状况为“{named(MARITAL_NAMES, status)}”，"
        f"但婚姻登记显示其于{on}{event}。"
    )


_SENTENCES: dict[str, Callable[[Discrepancy, Subjects, Access], str]] = {
    "BIRTH_NOT_REGISTERED": _not_registered,
    "REGISTRATION_WITHOUT_BIRTH_RECORD": _without_birth,
    "ATTRIBUTE_MISMATCH": _mismatch,
    "DUPLICATE_BIRTH_RECORD": _duplicate_births,
    "DUPLICATE_PERSON": _duplicate_persons,
    "MARITAL_STATUS_MISMATCH": _marital,
}


def explain(row: Discrepancy, subjects: Subjects, access: Access) -> str:
    """One sentence saying why `row` was raised."""
    sentence = _SENTENCES.get(row.type)
    return sentence(row, subjects, access) if sentence else "比对发现信息不一致。"
