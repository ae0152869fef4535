"""Births over HTTP: the interface's conventions for a shared record (§1) and §4's rules."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import birth_body, person_body

BIRTHS = "/v1/births"


def _create(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post(BIRTHS, json=birth_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_created_birth_reads_back_with_its_etag_and_instant_in_shanghai(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers, birth_datetime="2026-03-01T00:30:00Z")
    response = client.get(f"{BIRTHS}/{created['id']}", headers=headers)
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["birth_datetime"] == "2026-03-01T08:30:00+08:00"
    assert response.json()["source"] == "maternal_health"


def test_create_answers_location_of_the_new_record(client, auth_headers):
    response = client.post(BIRTHS, json=birth_body(), headers=auth_headers("maternal_health"))
    assert response.headers["location"] == f"{BIRTHS}/{response.json()['id']}"


def test_same_idempotency_key_and_body_replays_the_first_answer(client, auth_headers):
    headers = {**auth_headers("maternal_health"), "Idempotency-Key": "batch-7-line-1"}
    body = birth_body()
    first = client.post(BIRTHS, json=body, headers=headers)
    again = client.post(BIRTHS, json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    listed = client.get(BIRTHS, headers=headers).json()["items"]
    assert len(listed) == 1


def test_same_idempotency_key_with_another_body_is_422(client, auth_headers):
    headers = {**auth_headers("maternal_health"), "Idempotency-Key": "k-1"}
    client.post(BIRTHS, json=birth_body(), headers=headers)
    response = client.post(BIRTHS, json=birth_body(), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_keys_are_per_client(client, auth_headers, make_client):
    body = birth_body()
    mine = {**auth_headers("maternal_health"), "Idempotency-Key": "k"}
    first = client.post(BIRTHS, json=body, headers=mine)
    client_id, secret = make_client("maternal_health", name="another hospital system")
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    theirs = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k"}
    # Another client's identical key is no replay: its create meets the stored certificate.
    assert client.post(BIRTHS, json=body, headers=theirs).status_code == 409
    assert client.post(BIRTHS, json=body, headers=mine).json()["id"] == first.json()["id"]


def test_duplicate_certificate_no_is_409_with_the_existing_id(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers, certificate_no="Q420212345")
    response = client.post(BIRTHS, json=birth_body(certificate_no="Q420212345"), headers=headers)
    assert response.status_code == 409
    assert response.json()["existing_id"] == created["id"]
    assert response.json()["errors"][0]["field"] == "certificate_no"


def test_unknown_field_is_refused_and_nothing_is_stored(client, auth_headers):
    headers = auth_headers("maternal_health")
    response = client.post(BIRTHS, json=birth_body(hospital_bed="12"), headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "hospital_bed", "message": "unknown field"}]
    assert client.get(BIRTHS, headers=headers).json()["items"] == []


def test_invalid_mother_id_number_names_the_nested_field(client, auth_headers):
    body = birth_body(mother={"id_number": "420202199503041235", "name": "王芳"})
    response = client.post(BIRTHS, json=body, headers=auth_headers("maternal_health"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["mother.id_number"]


def test_birth_order_beyond_plurality_is_refused(client, auth_headers):
    body = birth_body(plurality=2, birth_order=3)
    response = client.post(BIRTHS, json=body, headers=auth_headers("maternal_health"))
    assert response.status_code == 422


def test_birth_weight_outside_300_to_7000_grams_is_refused(client, auth_headers):
    for weight in (299, 7001):
        body = birth_body(birth_weight_g=weight)
        response = client.post(BIRTHS, json=body, headers=auth_headers("maternal_health"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "birth_weight_g"


def test_instant_without_offset_is_refused(client, auth_headers):
    body = birth_body(birth_datetime="2026-03-01T08:30:00")
    response = client.post(BIRTHS, json=body, headers=auth_headers("maternal_health"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "birth_datetime"


def test_patch_without_if_match_is_428(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers)
    response = client.patch(
        f"{BIRTHS}/{created['id']}", json={"child_name": "李梓涵"}, headers=headers
    )
    assert response.status_code == 428


def test_patch_with_stale_version_is_412_and_changes_nothing(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers)
    url = f"{BIRTHS}/{created['id']}"
    first = client.patch(url, json={"child_name": "李梓涵"}, headers={**headers, "If-Match": '"1"'})
    stale = client.patch(url, json={"child_name": "李子涵"}, headers={**headers, "If-Match": '"1"'})
    assert first.status_code == 200 and first.json()["version"] == 2
    assert stale.status_code == 412
    assert client.get(url, headers=headers).json()["child_name"] == "李梓涵"


def test_patch_is_validated_like_a_create(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers)
    response = client.patch(
        f"{BIRTHS}/{created['id']}",
        json={"birth_weight_g": 12},
        headers={**headers, "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "birth_weight_g"


def test_void_keeps_the_record_and_its_history(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers)
    url = f"{BIRTHS}/{created['id']}"
    voided = client.post(f"{url}/void", json={"reason": "duplicate entry"}, headers=headers)
    assert voided.json()["status"] == "void"
    assert voided.json()["void_reason"] == "duplicate entry"
    history = client.get(f"{url}/history", headers=headers).json()["items"]
    assert [(v["version"], v["action"]) for v in history] == [(1, "create"), (2, "void")]
    assert client.get(url, headers=headers).status_code == 200
    assert client.post(f"{url}/void", json={"reason": "again"}, headers=headers).status_code == 409


def test_voided_births_are_left_out_of_lists_unless_asked(client, auth_headers):
    headers = auth_headers("maternal_health")
    created = _create(client, headers)
    client.post(f"{BIRTHS}/{created['id']}/void", json={"reason": "error"}, headers=headers)
    assert client.get(BIRTHS, headers=headers).json()["items"] == []
    listed = client.get(f"{BIRTHS}?include_voided=true", headers=headers).json()["items"]
    assert [b["id"] for b in listed] == [created["id"]]


def test_list_pages_with_a_cursor_without_repeats(client, auth_headers):
    headers = auth_headers("maternal_health")
    ids = {_create(client, headers)["id"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        url = f"{BIRTHS}?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).json()
        seen += [b["id"] for b in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)


def test_a_forged_cursor_is_422(client, auth_headers):
    response = client.get(
        f"{BIRTHS}?cursor=bm90LWEtY3Vyc29y", headers=auth_headers("maternal_health")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_limit_above_500_is_422(client, auth_headers):
    response = client.get(f"{BIRTHS}?limit=501", headers=auth_headers("maternal_health"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_birth_outside_the_jurisdiction_reads_as_not_found(client, auth_headers):
    created = _create(client, auth_headers("maternal_health"), birth_region="420202")
    outside = auth_headers("maternal_health", region="420100")
    assert client.get(f"{BIRTHS}/{created['id']}", headers=outside).status_code == 404
    assert client.get(BIRTHS, headers=outside).json()["items"] == []


def test_creating_a_birth_outside_the_jurisdiction_is_403_naming_the_region(client, auth_headers):
    body = birth_body(birth_region="420102")
    response = client.post(BIRTHS, json=body, headers=auth_headers("maternal_health"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "birth_region"


def test_mother_verified_tells_whether_the_mother_is_a_known_person(client, auth_headers):
    mother = person_body(sex="female")
    client.post("/v1/persons", json=mother, headers=auth_headers("public_security"))
    ref = {"id_number": mother["id_number"], "name": mother["name"]}
    known = _create(client, auth_headers("maternal_health"), mother=ref)
    unknown = _create(client, auth_headers("maternal_health"))
    assert known["mother_verified"] is True
    assert unknown["mother_verified"] is False


def test_public_security_reads_births_without_clinical_details(client, auth_headers):
    created = _create(client, auth_headers("maternal_health"))
    seen = client.get(f"{BIRTHS}/{created['id']}", headers=auth_headers("public_security")).json()
    assert "birth_weight_g" not in seen and "gestational_weeks" not in seen
    assert seen["mother"]["id_number"] == created["mother"]["id_number"]


def test_staff_see_the_mother_id_masked_unless_they_state_a_purpose(
    client, auth_headers, staff_token
):
    created = _create(client, auth_headers("maternal_health"))
    full = created["mother"]["id_number"]
    staff = {"Authorization": f"Bearer {staff_token('admin', region='000000')}"}
    url = f"{BIRTHS}/{created['id']}"
    masked = client.get(url, headers=staff).json()["mother"]["id_number"]
    stated = client.get(url, headers={**staff, "X-Purpose-Of-Use": "citizen-request"}).json()
    assert masked == full[:6] + "********" + full[-4:]
    assert stated["mother"]["id_number"] == full


def test_a_purpose_the_client_is_not_allowed_is_403(client, auth_headers):
    headers = {**auth_headers("maternal_health"), "X-Purpose-Of-Use": "marriage-registration"}
    assert client.get(BIRTHS, headers=headers).status_code == 403


def test_a_case_id_longer_than_64_characters_is_422(client, auth_headers):
    headers = {**auth_headers("maternal_health"), "X-Case-Id": "c" * 65}
    response = client.get(BIRTHS, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "X-Case-Id"
