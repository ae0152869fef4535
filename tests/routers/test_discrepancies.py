"""GET/POST /v1/discrepancies: the worklist over HTTP, its Excel export and resolutions."""

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from api.crosscheck.export import HEADERS
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.runs import operator_access
from api.crosscheck.worklist import reconcile
from api.db import unit_of_work
from api.models import AuditEvent
from api.validation import today_in_china
from tests.test_worklist import finding

Headers = Callable[..., dict[str, str]]
URL = "/v1/discrepancies"


def seed(
    app: FastAPI, findings: list[Finding], as_of: date | None = None, region: str = "000000"
) -> None:
    """Put findings on the worklist as a run of `region` would."""
    with unit_of_work(app.state.engine) as session:
        reconcile(
            session,
            findings,
            run_id="run-1",
            region=region,
            as_of=as_of or today_in_china(),
            due_days=30,
            access=operator_access("crosscheck:run-1", "000000"),
        )


def items(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_worklist_shows_the_callers_jurisdiction(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(region="420202"), finding(region="420102")])
    shown = items(client, auth_headers("health_commission"))
    assert [d["region"] for d in shown] == ["420202"]
    one = shown[0]
    assert set(one) >= {
        "id",
        "type",
        "region",
        "status",
        "detected_at",
        "due_by",
        "subjects",
        "fields",
        "details",
        "resolution",
        "note",
        "resolved_by",
        "resolved_at",
        "overdue",
        "version",
        "created_at",
        "updated_at",
        "source",
    }
    assert (one["status"], one["overdue"], one["version"], one["source"]) == (
        "open",
        False,
        1,
        "crosscheck",
    )
    assert one["subjects"][0]["resource"] == "births"
    assert one["detected_at"].endswith("+08:00")
    assert len(items(client, auth_headers("health_commission", region="420000"))) == 2


def test_an_item_past_its_due_date_is_overdue(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding()], as_of=today_in_china() - timedelta(days=31))
    assert items(client, auth_headers("health_commission"))[0]["overdue"] is True


def test_the_worklist_filters_and_pages(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding() for _ in range(3)])
    person = finding(
        DiscrepancyType.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"), region="420203"
    )
    seed(app, [person], as_of=today_in_china() - timedelta(days=10), region="420203")
    headers = auth_headers("health_commission")
    assert len(items(client, headers, type="DUPLICATE_PERSON")) == 1
    assert len(items(client, headers, status="open")) == 4
    assert items(client, headers, status="resolved") == []
    soon = (today_in_china() + timedelta(days=25)).isoformat()
    assert [d["type"] for d in items(client, headers, due_before=soon)] == ["DUPLICATE_PERSON"]
    assert items(client, headers, region="420100") == []
    first = client.get(URL, params={"limit": 3}, headers=headers).json()
    rest = client.get(URL, params={"limit": 3, "cursor": first["next_cursor"]}, headers=headers)
    assert len(first["items"]) == 3 and len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None
    for bad in (
        {"type": "TYPO"},
        {"status": "closed"},
        {"cursor": "xyz"},
        {"region": "42"},
        {"format": "pdf"},
        {"limit": 501},
    ):
        assert client.get(URL, params=bad, headers=headers).status_code == 422, bad


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
    assert response.json()["id"] == here["id"]
    assert client.get(f"{URL}/{there['id']}", headers=headers).status_code == 404
    assert client.get(f"{URL}/unknown", headers=headers).status_code == 404
    assert (
        client.get(f"{URL}/{here['id']}", headers=auth_headers("maternal_health")).status_code
        == 403
    )


def test_resolving_records_who_when_and_why_once(
    app: FastAPI,
    client: TestClient,
    make_user: Callable[..., tuple[str, str]],
    credentials: Any,
    auth_headers: Headers,
) -> None:
    seed(app, [finding()])
    username, password = make_user("clerk")
    token = credentials.request_token(
        {"grant_type": "password", "username": username, "password": password}
    )
    target = items(client, bearer(token))[0]
    body = {"resolution": "confirmed_correct", "note": "经核实，户籍登记信息无误。"}
    response = client.post(f"{URL}/{target['id']}/resolve", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    resolved = response.json()
    assert (resolved["status"], resolved["resolution"], resolved["resolved_by"]) == (
        "resolved",
        "confirmed_correct",
        username,
    )
    assert resolved["note"] == body["note"] and resolved["resolved_at"].endswith("+08:00")
    assert (resolved["version"], response.headers["ETag"]) == (2, '"2"')
    again = client.post(f"{URL}/{target['id']}/resolve", json=body, headers=bearer(token))
    assert again.status_code == 409
    history = client.get(f"{URL}/{target['id']}/history", headers=bearer(token)).json()["items"]
    assert [v["action"] for v in history] == ["open", "resolve"]
    assert history[1]["changed_by"] == username and history[1]["reason"] == body["note"]
    feed = client.get("/v1/feed", headers=auth_headers("health_commission")).json()["items"]
    assert [e["type"] for e in feed if e["id"] == target["id"]] == [
        "discrepancy.opened",
        "discrepancy.resolved",
    ]
    with Session(app.state.engine) as session:
        actions = session.exec(
            select(AuditEvent.action).where(
                AuditEvent.actor == username, col(AuditEvent.resource) == "discrepancies"
            )
        ).all()
    assert "resolve" in actions


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


def export(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    response = client.get(URL, params={"format": "xlsx", **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    return response, load_workbook(io.BytesIO(response.content), read_only=True)


def test_the_worklist_exports_to_excel_with_chinese_headers(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding(region="420202"), finding(region="420203"), finding(region="420102")])
    response, workbook = export(client, auth_headers("health_commission"))
    rows = list(workbook["比对问题"].iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"出生未登记户口"}
    assert {r[4] for r in rows[1:]} == {"湖北省黄石市黄石港区", "湖北省黄石市西塞山区"}
    assert (response.headers["X-Export-Rows"], response.headers["X-Export-Truncated"]) == (
        "2",
        "false",
    )
    assert "说明" in workbook.sheetnames
    _, filtered = export(client, auth_headers("health_commission"), region="420203")
    assert len(list(filtered["比对问题"].iter_rows(values_only=True))) == 2


def test_the_export_stops_at_its_row_limit_and_says_so(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed(app, [finding() for _ in range(3)])
    app.state.settings.discrepancy_export_max_rows = 2
    response, workbook = export(client, auth_headers("health_commission"))
    assert len(list(workbook["比对问题"].iter_rows(values_only=True))) == 3
    assert response.headers["X-Export-Truncated"] == "true"
    assert response.headers["X-Export-Row-Limit"] == "2"
    notes = dict(workbook["说明"].iter_rows(values_only=True))
    assert str(notes["是否截断"]).startswith("是")
