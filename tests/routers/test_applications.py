"""/v1/birth-service-applications (interface §4): submit, checks, statuses, scopes, jurisdiction."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.models import AuditEvent, BirthServiceApplication, FeedEvent
from tests.applications.support import (
    URL,
    Couple,
    Headers,
    bearer,
    checks_by_code,
    register_couple,
)
from tests.factories import application_body, days_ago, id_number


@pytest.fixture
def clerk(staff_token: Any) -> dict[str, str]:
    return bearer(staff_token("clerk"))


@pytest.fixture
def reviewer(staff_token: Any) -> dict[str, str]:
    return bearer(staff_token("reviewer"))


@pytest.fixture
def couple(client: TestClient, auth_headers: Headers) -> Couple:
    return register_couple(client, auth_headers)


def submit(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def act(
    client: TestClient, headers: dict[str, str], app_id: str, action: str, body: Any = None
) -> Any:
    return client.post(f"{URL}/{app_id}/{action}", json=body, headers=headers)


# -- submission and checks ---------------------------------------------------------------


def test_a_couple_on_record_passes_every_check(
    client: TestClient, clerk: dict[str, str], couple: Couple
) -> None:
    response = client.post(URL, json=couple.body(), headers=clerk)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(created["id"])
    assert created["status"] == "submitted"
    assert checks_by_code(created) == {
        "applicant_on_record": "pass",
        "applicant_identity": "pass",
        "spouse_on_record": "pass",
        "spouse_identity": "pass",
        "marriage_on_record": "pass",
        "household_region": "pass",
    }
    assert all(c["detail"] and c["name"] for c in created["checks"])
    assert created["applicant"]["id_number"].count("*") == 8  # staff see it masked
    assert created["household_region_name"] == "湖北省黄石市黄石港区"
    [entry] = created["status_history"]
    assert (
        entry["from"] is None
        and entry["to"] == "submitted"
        and entry["department"] == ("health_commission")
    )
    assert created["certificate_no"] is None and "verification_code" not in created


def test_an_unknown_applicant_is_accepted_with_checks_unavailable(
    client: TestClient, clerk: dict[str, str]
) -> None:
    created = submit(client, clerk, application_body())

    assert created["status"] == "submitted"
    assert checks_by_code(created) == {
        "applicant_on_record": "unavailable",
        "applicant_identity": "unavailable",
        "spouse_on_record": "unavailable",
        "spouse_identity": "unavailable",
        "marriage_on_record": "unavailable",
        "household_region": "unavailable",
    }


def test_facts_that_contradict_the_registers_fail(
    client: TestClient, clerk: dict[str, str], couple: Couple, auth_headers: Headers
) -> None:
    body = couple.body(
        applicant={
            "id_number": couple.wife["id_number"],
            "name": "张冒名",
            "phone": "13800138000",
        },
        marriage_certificate_no="J420202-1999-000001",
        household_region="420281",
    )
    created = submit(client, clerk, body)

    results = checks_by_code(created)
    assert results["applicant_identity"] == "fail"
    assert results["marriage_on_record"] == "fail"
    assert results["household_region"] == "fail"
    assert results["applicant_on_record"] == "pass"


def test_a_deceased_spouse_and_a_divorce_fail(
    client: TestClient, clerk: dict[str, str], couple: Couple, auth_headers: Headers
) -> None:
    husband = couple.husband
    ps = auth_headers("public_security")
    current = client.get(f"/v1/persons/{husband['id']}", headers=ps)
    response = client.patch(
        f"/v1/persons/{husband['id']}",
        json={"status": "deceased", "death_date": "2024-01-01"},
        headers={**ps, "If-Match": current.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    assert couple.marriage is not None
    divorce = {
        "record_type": "divorce",
        "certificate_no": "L" + couple.marriage["certificate_no"][1:],
        "registered_on": days_ago(10).isoformat(),
        "registry_region": "420202",
        "party_a": {"id_number": husband["id_number"], "name": husband["name"]},
        "party_b": {"id_number": couple.wife["id_number"], "name": couple.wife["name"]},
    }
    assert (
        client.post(
            "/v1/marriages", json=divorce, headers=auth_headers("civil_affairs")
        ).status_code
        == 201
    )

    results = checks_by_code(submit(client, clerk, couple.body(marriage_certificate_no=None)))

    assert results["spouse_on_record"] == "fail"
    assert results["marriage_on_record"] == "fail"


def test_a_couple_without_a_marriage_record_is_unavailable_not_an_error(
    client: TestClient, clerk: dict[str, str], auth_headers: Headers
) -> None:
    couple = register_couple(client, auth_headers, married=False)

    results = checks_by_code(submit(client, clerk, couple.body()))

    assert results["marriage_on_record"] == "unavailable"
    assert results["spouse_on_record"] == "pass"


@pytest.mark.parametrize("child_order", [1, 2, 3, 4])
def test_no_precondition_on_the_number_of_children(
    client: TestClient, clerk: dict[str, str], couple: Couple, child_order: int
) -> None:
    created = submit(client, clerk, couple.body(child_order=child_order))

    assert created["child_order"] == child_order
    assert created["status"] == "submitted"
    assert all(c["result"] == "pass" for c in created["checks"])
    assert not any("孩" in c["name"] or "子女" in c["name"] for c in created["checks"])


def test_a_bad_id_number_is_refused_field_by_field_in_chinese_and_stores_nothing(
    client: TestClient, clerk: dict[str, str], session: Session
) -> None:
    good = id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    body = application_body(applicant={"id_number": bad, "name": "王芳", "phone": "12345"})

    response = client.post(URL, json=body, headers=clerk)

    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "applicant.id_number": "公民身份号码校验位不正确，请逐位核对",
        "applicant.phone": "联系电话应为11位手机号码或带区号的固定电话",
    }
    assert session.exec(select(func.count()).select_from(BirthServiceApplication)).one() == 0


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"child_order": 0}, "child_order", "不能小于1"),
        ({"channel": "fax"}, "channel", "取值不在允许范围内"),
        (
            {"household_region": "999999"},
            "household_region",
            "行政区划代码不在国家标准（GB/T 2260）代码表中",
        ),
        (
            {"fetal_sex": "male"},
            "fetal_sex",
            "禁止非医学需要的胎儿性别鉴定：生育服务登记不记录胎儿性别",
        ),
        ({"expected_due_date": "2026-13-01"}, "expected_due_date", "日期格式应为YYYY-MM-DD"),
    ],
)
def test_field_errors_are_in_chinese(
    client: TestClient, clerk: dict[str, str], override: dict[str, Any], field: str, message: str
) -> None:
    response = client.post(URL, json=application_body(**override), headers=clerk)

    assert response.status_code == 422, response.text
    assert {"field": field, "message": message} in response.json()["errors"]


def test_a_missing_field_is_named(client: TestClient, clerk: dict[str, str]) -> None:
    body = application_body()
    del body["residence_region"]

    response = client.post(URL, json=body, headers=clerk)

    assert response.json()["errors"] == [{"field": "residence_region", "message": "此项为必填项"}]


# -- idempotency, reads, lists -------------------------------------------------------------


def test_the_same_idempotency_key_replays_and_a_different_body_is_422(
    client: TestClient, clerk: dict[str, str], couple: Couple, session: Session
) -> None:
    headers = {**clerk, "Idempotency-Key": "apply-1"}
    body = couple.body()
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    other = client.post(URL, json={**body, "child_order": 2}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 422
    assert session.exec(select(func.count()).select_from(BirthServiceApplication)).one() == 1


def test_read_list_and_filters(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], couple: Couple
) -> None:
    online = submit(client, clerk, couple.body())
    counter = submit(client, reviewer, couple.body(channel="counter", child_order=2))
    act(client, reviewer, counter["id"], "reject", {"reason": "重复申请"})

    one = client.get(f"{URL}/{online['id']}", headers=clerk)
    assert one.status_code == 200 and one.headers["ETag"] == '"1"'

    def ids(query: str, headers: dict[str, str] = clerk) -> list[str]:
        response = client.get(f"{URL}?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids("") == [online["id"], counter["id"]]
    assert ids("status=submitted") == [online["id"]]
    assert ids("status=rejected") == [counter["id"]]
    assert ids("channel=counter") == [counter["id"]]
    assert ids("mine=true") == [online["id"]]
    assert ids("region=420281") == []
    assert ids("limit=1")[0] == online["id"]
    page = client.get(f"{URL}?limit=1", headers=clerk).json()
    assert [
        i["id"]
        for i in client.get(f"{URL}?limit=1&cursor={page['next_cursor']}", headers=clerk).json()[
            "items"
        ]
    ] == [counter["id"]]
    assert client.get(f"{URL}?status=approved", headers=clerk).status_code == 422


def test_another_districts_clerk_gets_404(
    client: TestClient, clerk: dict[str, str], couple: Couple, staff_token: Any
) -> None:
    created = submit(client, clerk, couple.body())
    elsewhere = bearer(staff_token("reviewer", region="420281"))

    assert client.get(f"{URL}/{created['id']}", headers=elsewhere).status_code == 404
    assert act(client, elsewhere, created["id"], "issue").status_code == 404
    assert client.get(URL, headers=elsewhere).json()["items"] == []
    outside = client.post(URL, json=couple.body(household_region="420102"), headers=clerk)
    assert outside.status_code == 403
    assert outside.json()["errors"][0]["field"] == "household_region"


def test_scopes(
    client: TestClient,
    couple: Couple,
    auth_headers: Headers,
    staff_token: Any,
    clerk: dict[str, str],
) -> None:
    created = submit(client, clerk, couple.body())
    auditor = bearer(staff_token("auditor"))
    civil = auth_headers("civil_affairs")

    assert client.post(URL, json=couple.body(), headers=auditor).status_code == 403
    assert client.get(URL, headers=civil).status_code == 403
    assert client.get(f"{URL}/{created['id']}", headers=civil).status_code == 403
    assert client.get(URL).status_code == 401
    # A health-commission system (applications:* scopes) may submit through the API.
    system = auth_headers("health_commission")
    assert client.post(URL, json=couple.body(), headers=system).status_code == 201


# -- the status machine --------------------------------------------------------------------


def test_a_clerk_may_not_review(client: TestClient, clerk: dict[str, str], couple: Couple) -> None:
    created = submit(client, clerk, couple.body())

    assert act(client, clerk, created["id"], "issue").status_code == 403
    assert (
        act(client, clerk, created["id"], "request-correction", {"reasons": ["x"]}).status_code
        == 403
    )
    assert act(client, clerk, created["id"], "reject", {"reason": "x"}).status_code == 403
    assert client.get(f"{URL}/{created['id']}", headers=clerk).json()["status"] == "submitted"


def test_correction_round_trip(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], couple: Couple
) -> None:
    created = submit(client, clerk, couple.body(household_region="420202001"))
    sent_back = act(
        client,
        reviewer,
        created["id"],
        "request-correction",
        {"reasons": ["联系电话有误", "请补充预产期"]},
    )
    assert sent_back.status_code == 200, sent_back.text
    assert sent_back.json()["status"] == "needs_correction"
    assert sent_back.headers["ETag"] == '"2"'

    patch = {"applicant": {"phone": "13900139000"}, "expected_due_date": None}
    stale = client.patch(f"{URL}/{created['id']}", json=patch, headers={**clerk, "If-Match": '"1"'})
    missing = client.patch(f"{URL}/{created['id']}", json=patch, headers=clerk)
    assert (stale.status_code, missing.status_code) == (412, 428)
    bad = client.patch(
        f"{URL}/{created['id']}",
        json={"applicant": {"phone": "1"}},
        headers={**clerk, "If-Match": '"2"'},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "applicant.phone", "message": "联系电话应为11位手机号码或带区号的固定电话"}
    ]

    resubmitted = client.patch(
        f"{URL}/{created['id']}", json=patch, headers={**clerk, "If-Match": '"2"'}
    )

    assert resubmitted.status_code == 200, resubmitted.text
    data = resubmitted.json()
    assert data["status"] == "submitted"
    assert data["applicant"]["phone"] == "13900139000"
    assert data["expected_due_date"] is None
    assert [(h["from"], h["to"]) for h in data["status_history"]] == [
        (None, "submitted"),
        ("submitted", "needs_correction"),
        ("needs_correction", "submitted"),
    ]
    assert data["status_history"][1]["reasons"] == ["联系电话有误", "请补充预产期"]
    again = client.patch(f"{URL}/{created['id']}", json=patch, headers={**clerk, "If-Match": '"3"'})
    assert again.status_code == 409
    assert again.json()["current_status"] == "submitted"


@pytest.mark.parametrize(
    ("setup", "action", "body"),
    [
        (["issue"], "issue", None),
        (["issue"], "request-correction", {"reasons": ["x"]}),
        (["issue"], "reject", {"reason": "x"}),
        (["reject"], "withdraw", None),
        (["reject"], "issue", None),
        (["withdraw"], "issue", None),
        (["withdraw"], "withdraw", None),
        (["request-correction"], "issue", None),
        (["request-correction"], "request-correction", {"reasons": ["x"]}),
        ([], "reissue", {"reason": "x"}),
    ],
)
def test_an_illegal_transition_is_409_naming_the_current_status(
    client: TestClient,
    clerk: dict[str, str],
    reviewer: dict[str, str],
    couple: Couple,
    setup: list[str],
    action: str,
    body: Any,
) -> None:
    created = submit(client, clerk, couple.body())
    bodies = {"reject": {"reason": "不符"}, "request-correction": {"reasons": ["补正"]}}
    for step in setup:
        assert act(client, reviewer, created["id"], step, bodies.get(step)).status_code == 200
    current = client.get(f"{URL}/{created['id']}", headers=clerk).json()["status"]

    response = act(client, reviewer, created["id"], action, body)

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["current_status"] == current
    assert current in problem["detail"]


@pytest.mark.parametrize("start", ["submitted", "needs_correction"])
def test_reject_needs_a_reason_and_works_from_submitted_and_needs_correction(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], couple: Couple, start: str
) -> None:
    created = submit(client, clerk, couple.body())
    if start == "needs_correction":
        act(client, reviewer, created["id"], "request-correction", {"reasons": ["补正"]})

    assert act(client, reviewer, created["id"], "reject", {}).status_code == 422
    assert act(client, reviewer, created["id"], "reject", {"reason": ""}).status_code == 422
    assert act(
        client, reviewer, created["id"], "request-correction", {"reasons": []}
    ).status_code in (422, 409)
    rejected = act(client, reviewer, created["id"], "reject", {"reason": "申请人户籍不在本县"})

    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["status_history"][-1]["reasons"] == ["申请人户籍不在本县"]


@pytest.mark.parametrize("start", ["submitted", "needs_correction", "issued"])
def test_a_clerk_may_withdraw_with_or_without_a_reason(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], couple: Couple, start: str
) -> None:
    created = submit(client, clerk, couple.body())
    if start == "needs_correction":
        act(client, reviewer, created["id"], "request-correction", {"reasons": ["补正"]})
    if start == "issued":
        act(client, reviewer, created["id"], "issue")

    response = act(
        client,
        clerk,
        created["id"],
        "withdraw",
        {"reason": "申请人撤回"} if start != "issued" else None,
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert response.json()["status_history"][-1]["from"] == start


def test_issue_answers_the_certificate_number_and_the_code_once(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], couple: Couple
) -> None:
    created = submit(client, clerk, couple.body())

    issued = act(client, reviewer, created["id"], "issue")

    assert issued.status_code == 200, issued.text
    data = issued.json()
    assert data["status"] == "issued"
    assert data["certificate_no"].startswith("420202-")
    assert len(data["verification_code"]) == 9
    assert data["issued_on"]
    again = client.get(f"{URL}/{created['id']}", headers=clerk).json()
    assert "verification_code" not in again
    assert again["certificate_no"] == data["certificate_no"]
    history = client.get(f"{URL}/{created['id']}/history", headers=clerk).json()["items"]
    assert [v["action"] for v in history] == ["create", "issue"]
    assert all("verification_code" not in v["record"] for v in history)
    assert data["verification_code"] not in str(history)


def test_every_change_is_versioned_announced_and_audited(
    client: TestClient,
    clerk: dict[str, str],
    reviewer: dict[str, str],
    couple: Couple,
    session: Session,
    auth_headers: Headers,
) -> None:
    created = submit(client, clerk, couple.body())
    act(client, reviewer, created["id"], "request-correction", {"reasons": ["补正"]})
    client.patch(f"{URL}/{created['id']}", json={}, headers={**clerk, "If-Match": '"2"'})
    act(client, reviewer, created["id"], "issue")
    feed = client.get(
        "/v1/feed?types=application.status_changed", headers=auth_headers("health_commission")
    )
    assert feed.status_code == 200, feed.text
    # Announced by id only: a subscriber reads the application at its URL, under its rules.
    assert [i["data"] for i in feed.json()["items"]] == [{"id": created["id"]}] * 4

    events = session.exec(
        select(FeedEvent).where(FeedEvent.record_id == created["id"]).order_by(col(FeedEvent.seq))
    ).all()
    assert [e.type for e in events] == ["application.status_changed"] * 4
    assert [e.data["status"] for e in events] == [
        "submitted",
        "needs_correction",
        "submitted",
        "issued",
    ]
    actions = session.exec(
        select(AuditEvent.action).where(col(AuditEvent.resource) == "birth-service-applications")
    ).all()
    assert {"create", "correction", "resubmit", "issue"} <= set(actions)


def test_online_share_counts_applications(
    client: TestClient, clerk: dict[str, str], couple: Couple
) -> None:
    submit(client, clerk, couple.body())
    submit(client, clerk, couple.body(channel="counter", child_order=2))

    stats = client.get("/v1/stats/online-share", headers=clerk)

    assert stats.status_code == 200, stats.text
    total = stats.json()["total"]
    assert total["applications"] == 2 and total["online"] == 1
