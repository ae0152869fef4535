"""/v1/discrepancies over HTTP: the worklist with whom each item is about, filters, exports in
Chinese, assignment, comments, resolution one by one or in bulk, and the closure report."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from api.crosscheck.export import LIST_HEADERS, REPORT_HEADERS
from api.crosscheck.linkage.findings import Finding
from api.crosscheck.reconcile import reconcile
from api.crosscheck.runs import operator_access
from api.db import unit_of_work
from api.models import AuditEvent
from api.validation import today_in_china
from tests.crosscheck.support import T, add_birth, finding

Headers = Callable[..., dict[str, str]]
URL = "/v1/discrepancies"


def seed(app: FastAPI, findings: list[Finding], days_ago: int = 0, region: str = "000000") -> None:
    """Put findings on the worklist as a run of `region` would."""
    with unit_of_work(app.state.engine) as session:
        reconcile(
            session,
            findings,
            run_id="run-1",
            region=region,
            as_of=today_in_china() - timedelta(days=days_ago),
            due_days=30,
            access=operator_access("crosscheck:run-1", "000000"),
        )


def seed_birth(
    app: FastAPI, others: tuple[Finding, ...] = (), **values: Any
) -> tuple[str, str, str]:
    """An unregistered birth of 黄石港区 on the worklist (with `others`): its certificate
    number, id and mother's ID number."""
    with unit_of_work(app.state.engine) as session:
        birth = add_birth(session, **values)
        facts = (birth.certificate_no, birth.id, birth.mother_id_number)
    seed(app, [finding(T.BIRTH_NOT_REGISTERED, ("births", facts[1])), *others])
    return facts


def items(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_each_item_says_whom_it_is_about_and_why(
    app: FastAPI, client: TestClient, staff_token: Callable[..., str]
) -> None:
    certificate, birth_id, mother_number = seed_birth(app, child_name="王小明", mother_name="王芳")
    response = client.get(URL, headers=bearer(staff_token("clerk")))
    one = response.json()["items"][0]
    assert (one["status"], one["overdue"], one["assignee"], one["region"]) == (
        "open",
        False,
        None,
        "420202",
    )
    assert one["subjects"] == [
        {"resource": "births", "id": birth_id, "href": f"/v1/births/{birth_id}"}
    ]
    summary = one["summary"]
    assert (summary["child"]["name"], summary["child"]["certificate_no"]) == ("王小明", certificate)
    assert summary["mother"] == {
        "name": "王芳",
        "id_number": f"{mother_number[:6]}********{mother_number[14:]}",
    }
    assert summary["region_name"] == "黄石港区"
    assert one["explanation"].endswith("仍未办理出生户口登记。")
    assert mother_number not in response.text


def test_the_worklist_shows_the_callers_jurisdiction(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(region="420202"), finding(region="420102")])
    shown = items(client, auth_headers("health_commission"))
    assert [d["region"] for d in shown] == ["420202"]
    assert shown[0]["detected_at"].endswith("+08:00")
    assert len(items(client, auth_headers("health_commission", region="420000"))) == 2


def test_the_worklist_filters_and_pages(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding() for _ in range(3)])
    person = finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"), region="420203001")
    seed(app, [person], days_ago=40, region="420203")
    headers = auth_headers("health_commission")
    assert len(items(client, headers, type="DUPLICATE_PERSON")) == 1
    assert len(items(client, headers, status="open")) == 4
    assert items(client, headers, status="resolved") == []
    assert [d["type"] for d in items(client, headers, overdue="true")] == ["DUPLICATE_PERSON"]
    assert len(items(client, headers, overdue="false")) == 3
    assert len(items(client, headers, region="420203001")) == 1
    assert len(items(client, headers, region="420202")) == 3
    assert items(client, headers, region="420100") == []
    assert items(client, headers, assignee="someone") == []
    assert len(items(client, headers, unassigned="true")) == 4
    first = client.get(URL, params={"limit": 3}, headers=headers).json()
    rest = client.get(URL, params={"limit": 3, "cursor": first["next_cursor"]}, headers=headers)
    assert len(first["items"]) == 3 and len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "TYPO"}, "type"),
        ({"status": "closed"}, "status"),
        ({"cursor": "xyz"}, "cursor"),
        ({"region": "42"}, "region"),
        ({"format": "pdf"}, "format"),
        ({"limit": 501}, "limit"),
        ({"assignee": "a\x00b"}, "assignee"),
        ({"due_before": "0"}, "due_before"),
        ({"resolved_month": "2026-13"}, "resolved_month"),
    ],
)
def test_a_bad_filter_is_422_naming_it(
    client: TestClient, auth_headers: Headers, params: dict[str, Any], field: str
) -> None:
    response = client.get(URL, params=params, headers=auth_headers("health_commission"))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_one_discrepancy_is_read_with_its_version(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(region="420202"), finding(region="420102")])
    national = auth_headers("health_commission", region="000000")
    here, there = sorted(items(client, national), key=lambda d: d["region"], reverse=True)
    headers = auth_headers("health_commission")
    response = client.get(f"{URL}/{here['id']}", headers=headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert (response.json()["id"], response.json()["summary"]["region_name"]) == (
        here["id"],
        "黄石港区",
    )
    assert client.get(f"{URL}/{there['id']}", headers=headers).status_code == 404
    assert client.get(f"{URL}/unknown", headers=headers).status_code == 404
    assert client.get(f"{URL}/bad%00id", headers=headers).status_code == 422
    assert (
        client.get(f"{URL}/{here['id']}", headers=auth_headers("maternal_health")).status_code
        == 403
    )


def test_a_clerk_assigns_comments_and_resolves(
    app: FastAPI,
    client: TestClient,
    make_user: Callable[..., tuple[str, str]],
    credentials: Any,
    auth_headers: Headers,
) -> None:
    seed(app, [finding()])
    username, password = make_user("clerk", region="420202")
    token = credentials.request_token(
        {"grant_type": "password", "username": username, "password": password}
    )
    headers = bearer(token)
    target = items(client, headers)[0]
    base = f"{URL}/{target['id']}"
    names = client.get(f"{base}/assignees", headers=headers).json()["items"]
    assert [u["username"] for u in names] == [username]
    assigned = client.post(f"{base}/assign", json={"assignee": username}, headers=headers)
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["assignee"], assigned.headers["ETag"]) == (username, '"2"')
    refused = client.post(f"{base}/assign", json={"assignee": "stranger"}, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "assignee"
    assert [d["id"] for d in items(client, headers, assignee=username)] == [target["id"]]
    comment = client.post(f"{base}/comments", json={"body": "已联系派出所。"}, headers=headers)
    assert comment.status_code == 201, comment.text
    listed = client.get(f"{base}/comments", headers=headers).json()["items"]
    assert [(c["author"], c["body"]) for c in listed] == [(username, "已联系派出所。")]
    body = {"resolution": "confirmed_correct", "note": "经核实，户籍登记信息无误。"}
    resolved = client.post(f"{base}/resolve", json=body, headers=headers)
    assert resolved.status_code == 200, resolved.text
    shown = resolved.json()
    assert (shown["status"], shown["resolution"], shown["resolved_by"], shown["version"]) == (
        "resolved",
        "confirmed_correct",
        username,
        3,
    )
    assert client.post(f"{base}/resolve", json=body, headers=headers).status_code == 409
    history = client.get(f"{base}/history", headers=headers).json()["items"]
    assert [v["action"] for v in history] == ["open", "assign", "resolve"]
    feed = client.get("/v1/feed", headers=auth_headers("health_commission")).json()["items"]
    assert [e["type"] for e in feed if e["id"] == target["id"]] == [
        "discrepancy.opened",
        "discrepancy.assigned",
        "discrepancy.resolved",
    ]
    with Session(app.state.engine) as session:
        actions = set(
            session.exec(
                select(AuditEvent.action).where(
                    AuditEvent.actor == username, col(AuditEvent.resource) == "discrepancies"
                )
            ).all()
        )
    assert {"list", "assignees", "assign", "comment", "comments", "resolve", "history"} <= actions


@pytest.mark.parametrize(
    "body",
    [
        {"resolution": "fixed"},
        {"resolution": "fixed", "note": ""},
        {"resolution": "fixed", "note": "x" * 2001},
        {"resolution": "fixed", "note": "   "},
        {"resolution": "fixed", "note": "bell\x07"},
        {"resolution": "deleted", "note": "x"},
        {"resolution": "fixed", "note": "x", "resolved_by": "someone else"},
    ],
)
def test_a_resolution_needs_a_known_outcome_and_a_note(
    app: FastAPI, client: TestClient, auth_headers: Headers, body: dict[str, Any]
) -> None:
    seed(app, [finding()])
    headers = auth_headers("health_commission")
    target = items(client, headers)[0]
    response = client.post(f"{URL}/{target['id']}/resolve", json=body, headers=headers)
    assert response.status_code == 422, response.text


def test_resolving_takes_the_resolve_scope_and_the_jurisdiction(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(region="420202"), finding(region="420102")])
    national = auth_headers("health_commission", region="000000")
    here, there = sorted(items(client, national), key=lambda d: d["region"], reverse=True)
    body = {"resolution": "fixed", "note": "已更正户籍登记"}
    read_only = auth_headers("health_commission", scopes=["crosscheck:read"])
    assert (
        client.post(f"{URL}/{here['id']}/resolve", json=body, headers=read_only).status_code == 403
    )
    headers = auth_headers("health_commission")
    assert (
        client.post(f"{URL}/{there['id']}/resolve", json=body, headers=headers).status_code == 404
    )
    assert client.post(f"{URL}/{here['id']}/resolve", json=body, headers=headers).status_code == 200


def test_selected_items_are_resolved_together(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(), finding(), finding(region="420102")])
    national = auth_headers("health_commission", region="000000")
    ids = [d["id"] for d in sorted(items(client, national), key=lambda d: d["region"])]
    body = {"ids": [*ids, ids[0]], "resolution": "not_applicable", "note": "不属于本辖区事项"}
    headers = auth_headers("health_commission")
    response = client.post(f"{URL}/bulk-resolve", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["resolved"] == 2
    assert [i["outcome"] for i in answer["items"]] == ["not_found", "resolved", "resolved"]
    assert items(client, headers, status="open") == []
    for bad in ({**body, "ids": []}, {**body, "ids": ["a\x00"]}, {**body, "note": ""}):
        assert client.post(f"{URL}/bulk-resolve", json=bad, headers=headers).status_code == 422


def download(client: TestClient, url: str, headers: dict[str, str], **params: Any) -> Any:
    response = client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return response


def test_the_worklist_exports_in_chinese_one_row_per_item(
    app: FastAPI, client: TestClient, auth_headers: Headers, staff_token: Callable[..., str]
) -> None:
    others = (finding(region="420203"), finding(region="420102"))
    certificate, _, mother_number = seed_birth(app, others, child_name="李小红", mother_name="李娟")
    headers = bearer(staff_token("clerk"))
    response = download(client, URL, headers, format="xlsx")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook["比对问题"].iter_rows(values_only=True))
    assert rows[0] == LIST_HEADERS and len(rows) == 3
    by_name = {dict(zip(LIST_HEADERS, r, strict=True))["婴儿姓名"]: r for r in rows[1:]}
    row = dict(zip(LIST_HEADERS, by_name["李小红"], strict=True))
    assert (row["问题类型"], row["地区"], row["出生医学证明编号"]) == (
        "出生未登记户口",
        "湖北省黄石市黄石港区",
        certificate,
    )
    masked = f"{mother_number[:6]}********{mother_number[14:]}"
    assert (row["母亲姓名"], row["母亲身份证号码"]) == ("李娟", masked)
    assert row["状态"] == "待处理" and row["是否逾期"] == "否"
    assert str(row["问题说明"]).endswith("仍未办理出生户口登记。")
    assert not any("{" in str(v) for r in rows for v in r)  # never raw JSON
    assert response.headers["X-Export-Rows"] == "2"
    text = download(client, URL, headers, format="csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == LIST_HEADERS and len(table) == 3


def test_the_export_stops_at_its_row_limit_and_says_so(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding() for _ in range(3)])
    app.state.settings.discrepancy_export_max_rows = 2
    response = download(client, URL, auth_headers("health_commission"), format="xlsx")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(list(workbook["比对问题"].iter_rows(values_only=True))) == 3
    assert response.headers["X-Export-Truncated"] == "true"
    notes = dict(workbook["说明"].iter_rows(values_only=True))
    assert str(notes["是否截断"]).startswith("是")


def test_the_monthly_closure_report_in_json_csv_and_xlsx(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(region="420202"), finding(region="420203")])
    headers = auth_headers("health_commission")
    target = items(client, headers, region="420202")[0]
    body = {"resolution": "fixed", "note": "已更正"}
    client.post(f"{URL}/{target['id']}/resolve", json=body, headers=headers)
    month = today_in_china().strftime("%Y-%m")
    report = client.get(f"{URL}/report", params={"month": month}, headers=headers)
    assert report.status_code == 200, report.text
    shown = report.json()
    assert (shown["month"], shown["region"], shown["region_name"]) == (month, "420200", "黄石市")
    rows = {r["region"]: r for r in shown["rows"]}
    assert (rows["420202"]["opened"], rows["420202"]["closed_by_staff"]) == (1, 1)
    assert (rows["420203"]["outstanding"], shown["total"]["opened"]) == (1, 2)
    text = download(client, f"{URL}/report", headers, month=month, format="csv").content
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert tuple(table[0]) == REPORT_HEADERS
    assert table[1][1] == "湖北省黄石市黄石港区" and table[-1][1].startswith("合计")
    response = download(client, f"{URL}/report", headers, month=month, format="xlsx")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    closed = list(workbook["本月销号明细"].iter_rows(values_only=True))
    assert closed[0] == LIST_HEADERS and len(closed) == 2
    assert closed[1][-1] == target["id"] and closed[1][18] == "已更正"
    this_month = client.get(f"{URL}/report", headers=headers).json()
    assert this_month["month"] == month and this_month["total"] == shown["total"]
    for bad in ({"month": "2026-1"}, {"month": "9999-01"}, {"month": month, "region": "4"}):
        assert client.get(f"{URL}/report", params=bad, headers=headers).status_code == 422, bad
    outside = {"month": month, "region": "420100"}
    assert client.get(f"{URL}/report", params=outside, headers=headers).status_code == 403
