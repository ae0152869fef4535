"""/v1/ultrasound-exams: written by maternal health, read only by it and auditors, no fetal sex."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.models import AuditEvent, UltrasoundExam
from tests.factories import OMIT, days_ago, id_number, instant, ultrasound_exam_body

URL = "/v1/ultrasound-exams"
Headers = Callable[..., dict[str, str]]
PROHIBITED = "禁止非医学需要的胎儿性别鉴定"


def create(client: TestClient, auth_headers: Headers, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        URL, json=ultrasound_exam_body(**overrides), headers=auth_headers("maternal_health")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_maternal_health_registers_an_exam_and_reads_it_back(
    client: TestClient, auth_headers: Headers
) -> None:
    body = ultrasound_exam_body()
    response = client.post(URL, json=body, headers=auth_headers("maternal_health"))
    assert response.status_code == 201, response.text
    exam = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{URL}/{exam['id']}"
    assert exam["examinee"] == body["examinee"]
    assert exam["operator"] == body["operator"]
    assert exam["exam_datetime"].endswith("+08:00")
    assert exam["source"] == "maternal_health"
    assert not any("sex" in key for key in exam)

    read = client.get(f"{URL}/{exam['id']}", headers=auth_headers("maternal_health"))
    assert read.status_code == 200
    assert read.json() == exam


@pytest.mark.parametrize(
    "key",
    [
        "fetal_sex",
        "fetus_sex",
        "sex_of_fetus",
        "fetalSex",
        "fetal_gender",
        "baby_sex",
        "FETAL-SEX",
        "胎儿性别",
    ],
)
def test_a_body_recording_fetal_sex_is_refused_naming_the_key(
    client: TestClient, auth_headers: Headers, session: Session, key: str
) -> None:
    response = client.post(
        URL, json=ultrasound_exam_body(**{key: "male"}), headers=auth_headers("maternal_health")
    )
    assert response.status_code == 422
    problem = response.json()
    assert PROHIBITED in problem["detail"]
    assert "prohibited" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == [key]
    assert session.exec(select(UltrasoundExam)).first() is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"examinee": {"id_number": id_number(), "name": "王芳", "fetal_sex": "female"}},
            "examinee.fetal_sex",
        ),
        ({"fetuses": [{"position": "LOA", "sex": "male"}]}, "fetuses.0.sex"),
        ({"findings": {"fetus": {"gender": "F"}}}, "findings.fetus.gender"),
    ],
)
def test_fetal_sex_is_refused_at_any_depth(
    client: TestClient, auth_headers: Headers, overrides: dict[str, Any], field: str
) -> None:
    response = client.post(
        URL, json=ultrasound_exam_body(**overrides), headers=auth_headers("maternal_health")
    )
    assert response.status_code == 422
    assert PROHIBITED in response.json()["detail"]
    assert field in [e["field"] for e in response.json()["errors"]]


def test_findings_text_is_free_text_with_line_breaks(
    client: TestClient, auth_headers: Headers
) -> None:
    exam = create(client, auth_headers, findings_summary="宫内单活胎；\n胎心规律。")
    assert exam["findings_summary"] == "宫内单活胎；\n胎心规律。"


@pytest.mark.parametrize(
    "summary", ["胎儿性别：男", "男胎", "女胎", "胎儿为女性", "未做胎儿性别鉴定；宫内单活胎。"]
)
def test_findings_that_speak_of_fetal_sex_are_refused_like_the_key(
    client: TestClient, auth_headers: Headers, summary: str
) -> None:
    response = client.post(
        URL,
        json=ultrasound_exam_body(findings_summary=summary),
        headers=auth_headers("maternal_health"),
    )
    keyed = client.post(
        URL, json=ultrasound_exam_body(fetal_sex="male"), headers=auth_headers("maternal_health")
    )
    assert response.status_code == keyed.status_code == 422, response.text
    assert response.json()["detail"] == keyed.json()["detail"]
    assert PROHIBITED in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "findings_summary"


def test_a_correction_recording_fetal_sex_is_refused_like_a_create(
    client: TestClient, auth_headers: Headers
) -> None:
    exam = create(client, auth_headers)
    response = client.patch(
        f"{URL}/{exam['id']}",
        json={"fetal_sex": "male", "findings_summary": "复查"},
        headers={**auth_headers("maternal_health"), "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert PROHIBITED in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["fetal_sex"]
    unchanged = client.get(f"{URL}/{exam['id']}", headers=auth_headers("maternal_health"))
    assert unchanged.json()["version"] == 1


def test_a_correction_is_versioned_and_kept_in_history(
    client: TestClient, auth_headers: Headers
) -> None:
    exam = create(client, auth_headers)
    headers = auth_headers("maternal_health")
    corrected = client.patch(
        f"{URL}/{exam['id']}",
        json={"gestational_weeks": 22, "operator": {"license_no": "110420299999999"}},
        headers={**headers, "If-Match": '"1"'},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["gestational_weeks"] == 22
    assert corrected.json()["operator"]["name"] == exam["operator"]["name"]
    voided = client.post(f"{URL}/{exam['id']}/void", json={"reason": "重复录入"}, headers=headers)
    assert voided.status_code == 200
    history = client.get(f"{URL}/{exam['id']}/history", headers=headers).json()["items"]
    assert [v["action"] for v in history] == ["create", "update", "void"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gestational_weeks": OMIT}, "gestational_weeks"),
        ({"gestational_weeks": 3}, "gestational_weeks"),
        ({"gestational_weeks": 46}, "gestational_weeks"),
        ({"fetal_count": 0}, "fetal_count"),
        ({"fetal_count": 9}, "fetal_count"),
        ({"findings_summary": "胎" * 2001}, "findings_summary"),
        ({"indication": "sex_determination"}, "indication"),
        ({"exam_region": "999999"}, "exam_region"),
        ({"exam_no": "US 1"}, "exam_no"),
        ({"exam_datetime": "2026-03-01T08:30:00"}, "exam_datetime"),
        ({"exam_datetime": instant(days_ago(-3))}, "exam_datetime"),
        ({"examinee": {"id_number": id_number(sex="male"), "name": "王伟"}}, "examinee.id_number"),
        ({"operator": {"name": "王伟"}}, "operator.license_no"),
        ({"comment": "x"}, "comment"),
    ],
)
def test_invalid_exams_are_refused_naming_the_field(
    client: TestClient, auth_headers: Headers, overrides: dict[str, Any], field: str
) -> None:
    response = client.post(
        URL, json=ultrasound_exam_body(**overrides), headers=auth_headers("maternal_health")
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_gestational_weeks_are_needed_only_for_prenatal_exams(
    client: TestClient, auth_headers: Headers
) -> None:
    exam = create(
        client, auth_headers, indication="iud_check", gestational_weeks=OMIT, fetal_count=OMIT
    )
    assert exam["gestational_weeks"] is None
    response = client.post(
        URL,
        json=ultrasound_exam_body(indication="gynecological", gestational_weeks=OMIT),
        headers=auth_headers("maternal_health"),
    )
    assert response.status_code == 422  # a fetal count without a pregnancy
    assert "fetal_count" in response.json()["errors"][0]["message"]


def test_exam_numbers_are_unique_per_facility(client: TestClient, auth_headers: Headers) -> None:
    first = create(client, auth_headers)
    again = client.post(
        URL,
        json=ultrasound_exam_body(exam_no=first["exam_no"]),
        headers=auth_headers("maternal_health"),
    )
    assert again.status_code == 409
    assert again.json()["existing_id"] == first["id"]
    assert {e["field"] for e in again.json()["errors"]} == {"facility_code", "exam_no"}
    elsewhere = create(client, auth_headers, exam_no=first["exam_no"], facility_code="420202002")
    assert elsewhere["id"] != first["id"]


@pytest.mark.parametrize(
    "department", ["public_security", "civil_affairs", "health_commission", "admin"]
)
def test_only_maternal_health_and_auditors_read_exams(
    client: TestClient, auth_headers: Headers, department: str
) -> None:
    exam = create(client, auth_headers)
    for url in (URL, f"{URL}/{exam['id']}", f"{URL}/{exam['id']}/history"):
        response = client.get(url, headers=auth_headers(department))
        assert response.status_code == 403, (department, url)
        assert "maternal health and auditors" in response.json()["detail"]


def test_even_a_token_holding_ultrasounds_read_outside_maternal_health_is_refused(
    client: TestClient, auth_headers: Headers
) -> None:
    exam = create(client, auth_headers)
    headers = auth_headers("admin", scopes=["ultrasounds:read", "ultrasounds:write"])
    assert client.get(f"{URL}/{exam['id']}", headers=headers).status_code == 403
    assert client.post(URL, json=ultrasound_exam_body(), headers=headers).status_code == 403


def test_auditors_read_exams_with_audit_read_and_cannot_write(
    client: TestClient, auth_headers: Headers, staff_token: Callable[..., str]
) -> None:
    exam = create(client, auth_headers)
    for headers in (auth_headers("auditor"), {"Authorization": f"Bearer {staff_token('auditor')}"}):
        read = client.get(f"{URL}/{exam['id']}", headers=headers)
        assert read.status_code == 200
        assert read.json()["examinee"]["id_number"] in (
            exam["examinee"]["id_number"],
            exam["examinee"]["id_number"][:6] + "********" + exam["examinee"]["id_number"][-4:],
        )
        listed = client.get(URL, headers=headers)
        assert [e["id"] for e in listed.json()["items"]] == [exam["id"]]
        assert client.post(URL, json=ultrasound_exam_body(), headers=headers).status_code == 403


def test_staff_auditors_see_the_examinee_id_masked(
    client: TestClient, auth_headers: Headers, staff_token: Callable[..., str]
) -> None:
    exam = create(client, auth_headers)
    headers = {"Authorization": f"Bearer {staff_token('auditor')}"}
    shown = client.get(f"{URL}/{exam['id']}", headers=headers).json()["examinee"]["id_number"]
    assert (
        shown == exam["examinee"]["id_number"][:6] + "********" + exam["examinee"]["id_number"][-4:]
    )
    stated = client.get(f"{URL}/{exam['id']}", headers={**headers, "X-Purpose-Of-Use": "audit"})
    assert stated.json()["examinee"]["id_number"] == exam["examinee"]["id_number"]


def test_exams_outside_the_jurisdiction_are_not_found_and_cannot_be_written(
    client: TestClient, auth_headers: Headers
) -> None:
    exam = create(client, auth_headers)
    wuhan = auth_headers("maternal_health", region="420100")
    assert client.get(f"{URL}/{exam['id']}", headers=wuhan).status_code == 404
    assert client.get(URL, headers=wuhan).json()["items"] == []
    refused = client.post(URL, json=ultrasound_exam_body(), headers=wuhan)
    assert refused.status_code == 403
    assert refused.json()["errors"] == [
        {"field": "exam_region", "message": "outside your jurisdiction"}
    ]


def test_every_exam_access_is_audited_with_the_examinee(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    exam = create(client, auth_headers)
    client.get(f"{URL}/{exam['id']}", headers=auth_headers("auditor"))
    events = session.exec(select(AuditEvent).where(AuditEvent.resource == "ultrasound-exams")).all()
    assert sorted((e.department, e.action) for e in events) == [
        ("auditor", "read"),
        ("maternal_health", "create"),
    ]
    assert all(e.record_ids == [exam["id"]] for e in events)


def test_an_imported_line_recording_fetal_sex_is_rejected_and_stored_nowhere(
    client: TestClient, auth_headers: Headers, session: Session
) -> None:
    lines = [ultrasound_exam_body(), ultrasound_exam_body(fetal_sex="female")]
    response = client.post(
        f"{URL}:import",
        content="\n".join(json.dumps(line) for line in lines) + "\n",
        headers={**auth_headers("maternal_health"), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["created"], answer["rejected"]) == (1, 1)
    (rejected,) = answer["errors"]
    assert rejected["line"] == 2
    assert rejected["errors"][0]["field"] == "fetal_sex"
    assert PROHIBITED in rejected["errors"][0]["message"]
    stored = session.exec(select(UltrasoundExam.exam_no)).all()
    assert stored == [lines[0]["exam_no"]]
