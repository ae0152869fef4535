"""What a worklist item says about its subjects, and why it was raised, as the reader may see it.

Staff read ID numbers masked, and never beside what the mask hides: the mother's number
keeps region and sequence (her birth date is not shown), a child's or person's number shown
next to their birth date keeps only its region. Department systems read them in full.
"""

from datetime import date

from sqlmodel import Session

from api.crosscheck.summary import DiscrepancyView, views
from api.models import Discrepancy
from api.models.base import SHANGHAI
from tests.crosscheck.support import (
    T,
    add_birth,
    add_entry,
    add_marriage,
    add_person,
    clerk,
    finding,
    reconciled,
    stored,
)

SYSTEM_READER = clerk(staff=False)


def view(session: Session, item: object, reader: object = None) -> DiscrepancyView:
    reconciled(session, [item])  # type: ignore[list-item]
    row: Discrepancy = stored(session, item)  # type: ignore[arg-type]
    return views(session, [row], reader or clerk())[0]  # type: ignore[arg-type]


def test_an_unregistered_birth_shows_the_child_mother_and_certificate(session: Session) -> None:
    birth = add_birth(session, child_name="王小明", child_sex="male", mother_name="王芳")
    shown = view(session, finding(T.BIRTH_NOT_REGISTERED, ("births", birth.id)))
    child, mother = shown.summary.child, shown.summary.mother
    assert child is not None and mother is not None
    assert (child.name, child.sex, child.certificate_no) == ("王小明", "male", birth.certificate_no)
    assert child.birth_date == birth.birth_datetime.astimezone(SHANGHAI).date()
    assert mother.name == "王芳"
    number = birth.mother_id_number
    assert mother.id_number == f"{number[:6]}********{number[14:]}"
    assert (shown.summary.birth_region_name, shown.summary.region_name) == ("黄石港区", "黄石港区")
    assert shown.summary.certificate_nos == [birth.certificate_no]
    assert shown.explanation == (
        f"婴儿（王小明，{child.birth_date}出生，出生医学证明{birth.certificate_no}，母亲王芳）"
        "出生已超过30天，仍未办理出生户口登记。"
    )
    assert shown.subjects[0].href == f"/v1/births/{birth.id}"


def test_a_mismatch_names_each_field_with_both_values(session: Session) -> None:
    birth = add_birth(session, certificate_no="Q420212345", child_sex="female")
    entry = add_entry(session, birth, birth_certificate_no="Q420212354", person_sex="male")
    item = finding(
        T.ATTRIBUTE_MISMATCH,
        ("births", birth.id),
        ("household-entries", entry.id),
        fields=("certificate_no", "child_sex"),
    )
    shown = view(session, item)
    assert shown.explanation == (
        "出生医学证明编号不一致：Q420212345 / Q420212354；性别不一致：女 / 男"
        "（出生医学证明 / 户籍登记）。"
    )
    registered = shown.summary.registered_child
    assert registered is not None and registered.sex == "male"
    # The child's number stands beside its birth date: only the region is left.
    assert registered.id_number == entry.person_id_number[:6] + "*" * 12
    assert (shown.summary.household_no, shown.summary.household_region_name) == (
        "420202000123",
        "黄石港区",
    )
    assert shown.summary.certificate_nos == ["Q420212345", "Q420212354"]


def test_a_mothers_number_is_masked_for_staff_and_whole_for_systems(session: Session) -> None:
    birth = add_birth(session)
    entry = add_entry(session, birth, mother_id_number="420202199001010021")
    item = finding(
        T.ATTRIBUTE_MISMATCH,
        ("births", birth.id),
        ("household-entries", entry.id),
        fields=("mother_id_number",),
    )
    reconciled(session, [item])
    row = stored(session, item)
    staff, system = views(session, [row], clerk())[0], views(session, [row], SYSTEM_READER)[0]
    masked = f"{birth.mother_id_number[:6]}********{birth.mother_id_number[14:]}"
    assert masked in staff.explanation and "420202********0021" in staff.explanation
    assert birth.mother_id_number not in staff.model_dump_json()
    assert birth.mother_id_number in system.explanation
    assert system.summary.mother is not None
    assert system.summary.mother.id_number == birth.mother_id_number


def test_a_registration_without_a_birth_record_shows_the_household(session: Session) -> None:
    mother = add_person(session, name="李娟")
    entry = add_entry(session, None, person_name="李明", mother_id_number=mother.id_number)
    shown = view(
        session, finding(T.REGISTRATION_WITHOUT_BIRTH_RECORD, ("household-entries", entry.id))
    )
    child, parent = shown.summary.child, shown.summary.mother
    assert child is not None and child.name == "李明" and child.certificate_no is None
    assert parent is not None and parent.name == "李娟"  # from the person register
    assert shown.explanation == (
        "户号420202000123于2026-01-09办理的出生户口登记（李明，2026-01-02出生）"
        "找不到对应的出生医学证明，且未填写出生医学证明编号。"
    )


def test_a_mother_registered_outside_the_readers_area_is_not_named(session: Session) -> None:
    mother = add_person(
        session, name="赵敏", jurisdiction_region="420102", household_region="420102"
    )
    entry = add_entry(session, None, mother_id_number=mother.id_number)
    shown = view(
        session, finding(T.REGISTRATION_WITHOUT_BIRTH_RECORD, ("household-entries", entry.id))
    )
    assert shown.summary.mother is not None and shown.summary.mother.name is None


def test_duplicate_births_name_both_certificates(session: Session) -> None:
    first = add_birth(session, certificate_no="Q420200001", mother_name="周红")
    second = add_birth(session, certificate_no="Q420200002", mother_name="周红")
    item = finding(
        T.DUPLICATE_BIRTH_RECORD,
        ("births", second.id),
        ("births", first.id),
        details={"original": first.id, "duplicate": second.id},
    )
    shown = view(session, item)
    assert "出生医学证明Q420200001与Q420200002记录的是同一名婴儿" in shown.explanation
    assert "后录入的Q420200002应予核实作废" in shown.explanation


def test_duplicate_persons_show_both_without_their_numbers(session: Session) -> None:
    a = add_person(session, id_number="420202199005060020")
    b = add_person(session, id_number="420202199005060039")
    shown = view(session, finding(T.DUPLICATE_PERSON, ("persons", a.id), ("persons", b.id)))
    assert [p.id_number for p in shown.summary.persons] == ["420202" + "*" * 12] * 2
    assert [p.birth_date for p in shown.summary.persons] == [date(1990, 5, 6)] * 2
    assert shown.explanation == (
        "两条人员记录疑为同一人（张丽，女，1990-05-06出生），身份证号码仅一位之差。"
    )
    assert "420202199005060020" not in shown.model_dump_json()


def test_a_marital_status_mismatch_names_the_record(session: Session) -> None:
    person = add_person(session, marital_status="10")
    marriage = add_marriage(session, person)
    item = finding(
        T.MARITAL_STATUS_MISMATCH,
        ("persons", person.id),
        ("marriages", marriage.id),
        fields=("marital_status",),
        details={"marital_status": "10", "latest_record_type": "marriage"},
    )
    shown = view(session, item)
    assert shown.explanation == (
        "张丽在人员信息中的婚姻状况为“未婚”，但婚姻登记显示其于2025-05-01办理结婚登记。"
    )
    assert shown.summary.marriage is not None
    assert shown.summary.marriage.parties == ["陈伟", "张丽"]
    assert shown.summary.marriage.registry_region_name == "黄石港区"


def test_an_item_whose_records_are_gone_still_explains_itself(session: Session) -> None:
    shown = view(session, finding(T.BIRTH_NOT_REGISTERED, ("births", "gone")))
    assert shown.summary.child is None
    assert shown.explanation == "出生已超过30天的婴儿尚未办理出生户口登记。"
