"""The routes every registry shares: corrections as typed JSON merge patches (RFC 7396)."""

from typing import Any

from fastapi.testclient import TestClient

from api.routers.merge_patch import MERGE_PATCH_JSON
from tests.factories import birth_body, person_ref, ultrasound_exam_body

BIRTHS = "/v1/births"
EXAMS = "/v1/ultrasound-exams"


def _created(client: TestClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> str:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return f"{url}/{response.json()['id']}"


def test_a_merge_patch_sent_as_merge_patch_json_corrects_the_record(
    client: TestClient, auth_headers: Any
) -> None:
    headers = auth_headers("maternal_health")
    father = person_ref("male")
    url = _created(client, BIRTHS, birth_body(child_name="李小雨", father=father), headers)
    mother_name = client.get(url, headers=headers).json()["mother"]["name"]

    response = client.patch(
        url,
        content='{"mother": {"name": "王芳芳"}, "father": null, "child_name": "李雨桐"}',
        headers={**headers, "If-Match": '"1"', "Content-Type": MERGE_PATCH_JSON},
    )

    assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown["version"], shown["child_name"], shown["father"]) == (2, "李雨桐", None)
    assert shown["mother"]["name"] == "王芳芳" != mother_name  # merged member by member
    assert shown["mother"]["id_number"]  # kept
    assert response.headers["etag"] == '"2"'


def test_a_patch_field_is_checked_before_the_record_is_read(
    client: TestClient, auth_headers: Any
) -> None:
    headers = {**auth_headers("maternal_health"), "If-Match": '"1"'}
    url = _created(client, BIRTHS, birth_body(), headers)

    response = client.patch(url, json={"birth_weight_g": 99, "colour": "red"}, headers=headers)

    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["birth_weight_g", "colour"]
    assert client.get(url, headers=headers).json()["version"] == 1


def test_a_patch_recording_fetal_sex_is_refused_by_name(
    client: TestClient, auth_headers: Any
) -> None:
    headers = {**auth_headers("maternal_health"), "If-Match": '"1"'}
    url = _created(client, EXAMS, ultrasound_exam_body(), headers)

    response = client.patch(url, json={"fetal_sex": "male"}, headers=headers)

    assert response.status_code == 422
    assert "胎儿性别" in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["fetal_sex"]
