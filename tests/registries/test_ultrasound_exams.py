"""Ultrasound exams as a service: who reads them, their shape, and no fetal sex, ever."""

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.access.policy import (
    DEPARTMENT_PURPOSES,
    DEPARTMENT_SCOPES,
    ROLE_DEPARTMENT,
    ROLE_SCOPES,
    Department,
    Role,
    Scope,
)
from api.access.principal import Access, Principal
from api.db import unit_of_work
from api.errors import InvalidInput, validation_errors
from api.models import AuditEvent, FeedEvent, UltrasoundExam
from api.models.person import PersonIn
from api.models.ultrasound_exam import UltrasoundExamIn, fetal_sex_keys
from api.records import core as records
from api.records.core import snapshot
from api.records.registries import ultrasound_exams
from api.records.registries.persons import PERSONS
from api.records.registries.ultrasound_exams import ULTRASOUND_EXAMS
from tests.factories import person_body, ultrasound_exam_body


def principal(department: Department, scopes: frozenset[Scope] | None = None) -> Principal:
    return Principal(
        subject=f"test-{department.value}",
        actor_type="client",
        department=department,
        region="420200",
        scopes=frozenset(DEPARTMENT_SCOPES[department]) if scopes is None else scopes,
        purposes=DEPARTMENT_PURPOSES[department],
        jti="test",
    )


MATERNAL_HEALTH = Access(
    principal(Department.MATERNAL_HEALTH), DEPARTMENT_PURPOSES[Department.MATERNAL_HEALTH][0]
)


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    """The test database's engine."""
    engine: Engine = app.state.engine
    return engine


def create(session: Session, **overrides: Any) -> UltrasoundExam:
    body = UltrasoundExamIn.model_validate(ultrasound_exam_body(**overrides))
    return records.create_record(session, ULTRASOUND_EXAMS, body=body, access=MATERNAL_HEALTH)


@pytest.mark.parametrize(
    ("department", "reads", "writes"),
    [
        (Department.MATERNAL_HEALTH, True, True),
        (Department.AUDITOR, True, False),
        (Department.PUBLIC_SECURITY, False, False),
        (Department.CIVIL_AFFAIRS, False, False),
        (Department.HEALTH_COMMISSION, False, False),
        (Department.ADMIN, False, False),
    ],
)
def test_only_maternal_health_and_auditors_read_and_only_maternal_health_writes(
    department: Department, reads: bool, writes: bool
) -> None:
    assert principal(department).sees_ultrasounds is reads
    assert principal(department).writes_ultrasounds is writes


def test_scopes_still_count_inside_the_ultrasound_departments() -> None:
    assert not principal(Department.MATERNAL_HEALTH, frozenset()).sees_ultrasounds
    assert not principal(
        Department.MATERNAL_HEALTH, frozenset({Scope.ULTRASOUNDS_READ})
    ).writes_ultrasounds
    assert not principal(Department.AUDITOR, frozenset()).sees_ultrasounds


@pytest.mark.parametrize("role", list(Role))
def test_staff_read_exams_only_as_auditors(role: Role) -> None:
    staff = principal(ROLE_DEPARTMENT[role], frozenset(ROLE_SCOPES[role]))
    assert staff.sees_ultrasounds is (role == Role.AUDITOR)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"fetal_sex": "M"}, ["fetal_sex"]),
        ({"fetus_sex": 1}, ["fetus_sex"]),
        ({"sex_of_fetus": "F"}, ["sex_of_fetus"]),
        ({"fetalSex": "F"}, ["fetalSex"]),
        ({"FetalGender": "F"}, ["FetalGender"]),
        ({"baby-sex": "F"}, ["baby-sex"]),
        ({"foetal_sex": "F"}, ["foetal_sex"]),
        ({"胎儿性别": "男"}, ["胎儿性别"]),
        ({"ｆｅｔａｌ_ｓｅｘ": "M"}, ["ｆｅｔａｌ_ｓｅｘ"]),
        ({"examinee": {"fetal_sex": "M"}}, ["examinee.fetal_sex"]),
        ({"fetuses": [{"heart_rate": 140}, {"sex": "M"}]}, ["fetuses.1.sex"]),
        ({"fetal_count": 2, "examinee": {"sex": "female"}, "sex": "female"}, []),
        ({"findings_summary": "fetal sex not determined"}, []),
        ("not an object", []),
    ],
)
def test_fetal_sex_keys_are_found_at_any_depth_in_any_spelling(body: Any, found: list[str]) -> None:
    assert fetal_sex_keys(body) == found


def test_the_schema_refuses_fetal_sex_with_its_own_error_naming_each_key() -> None:
    with pytest.raises(ValidationError) as refused:
        UltrasoundExamIn.model_validate(ultrasound_exam_body(fetal_sex="M", baby_gender="F"))
    (error,) = refused.value.errors()
    assert error["type"] == "fetal_sex_prohibited"
    assert "禁止非医学需要的胎儿性别鉴定" in error["msg"]
    assert [e["field"] for e in validation_errors(refused.value.errors())] == [
        "fetal_sex",
        "baby_gender",
    ]


def test_a_stored_exam_round_trips_to_the_body_it_came_from(session: Session) -> None:
    body = UltrasoundExamIn.model_validate(ultrasound_exam_body())
    exam = records.create_record(session, ULTRASOUND_EXAMS, body=body, access=MATERNAL_HEALTH)
    again = UltrasoundExamIn.model_validate(ultrasound_exams.from_row(snapshot(exam)))
    assert again == body


def test_a_correction_through_the_service_refuses_fetal_sex_too(session: Session) -> None:
    exam = create(session)
    with pytest.raises(InvalidInput) as refused:
        records.update_record(
            session,
            ULTRASOUND_EXAMS,
            exam.id,
            expected_version=1,
            patch={"fetus": {"sex": "M"}},
            access=MATERNAL_HEALTH,
        )
    assert [e["field"] for e in refused.value.errors] == ["fetus.sex"]


def test_staff_see_the_examinee_masked_unless_they_state_a_purpose(session: Session) -> None:
    exam = create(session)
    staff = Principal(
        subject="auditor-1",
        actor_type="user",
        department=Department.AUDITOR,
        region="420200",
        scopes=frozenset({Scope.AUDIT_READ}),
        purposes=DEPARTMENT_PURPOSES[Department.AUDITOR],
        jti="test",
        role="auditor",
    )
    purpose = DEPARTMENT_PURPOSES[Department.AUDITOR][0]
    masked = ultrasound_exams.present(snapshot(exam), Access(staff, purpose))
    assert masked["examinee"]["id_number"] == (
        exam.examinee_id_number[:6] + "********" + exam.examinee_id_number[-4:]
    )
    stated = ultrasound_exams.present(snapshot(exam), Access(staff, purpose, True))
    assert stated["examinee"]["id_number"] == exam.examinee_id_number
    assert "examinee_id_number" not in stated and "operator_name" not in stated


def test_an_exam_is_announced_and_audited_with_its_examinee(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        examinee = records.create_record(
            session,
            PERSONS,
            body=PersonIn.model_validate(person_body()),
            access=Access(
                principal(Department.PUBLIC_SECURITY),
                DEPARTMENT_PURPOSES[Department.PUBLIC_SECURITY][0],
            ),
        )
        exam = create(session, examinee={"id_number": examinee.id_number, "name": examinee.name})
    with Session(engine) as session:
        announced = session.exec(
            select(FeedEvent).where(FeedEvent.resource == "ultrasound-exams")
        ).one()
        assert (announced.type, announced.record_id, announced.region) == (
            "ultrasound_exam.recorded",
            exam.id,
            exam.exam_region,
        )
        audited = session.exec(
            select(AuditEvent).where(AuditEvent.resource == "ultrasound-exams")
        ).one()
        assert audited.person_ids == [examinee.id]
