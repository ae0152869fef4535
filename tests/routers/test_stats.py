"""GET /v1/stats/...: aggregate figures over HTTP, as JSON or CSV, cut to the jurisdiction."""

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.db import unit_of_work
from api.models import AuditEvent
from api.routers import stats as stats_routes
from tests.stats.seed import add_application, add_birth, add_birth_entry, add_discrepancy, at

Headers = Callable[..., dict[str, str]]
STATISTICS = (
    "births-by-month",
    "sex-ratio",
    "registration-completeness",
    "discrepancy-closure",
    "online-share",
)
DAY = date(2026, 1, 5)


def seed_births(app: FastAPI) -> None:
    """Three boys and two girls in 黄石港区 (420202), one boy in Wuhan (420102)."""
    with unit_of_work(app.state.engine) as session:
        for sex in ("male", "male", "male", "female", "female"):
            add_birth(session, at(DAY), sex=sex)
        add_birth(session, at(DAY), sex="male", region="420102")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_births_by_month_answers_the_months_of_the_jurisdiction(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed_births(app)

    response = client.get(
        "/v1/stats/births-by-month",
        params={"from": "2026-01-01", "to": "2026-01-31"},
        headers=auth_headers("health_commission"),
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "statistic": "births-by-month",
        "region": "420200",
        "from": "2026-01-01",
        "to": "2026-01-31",
        "as_of": response.json()["as_of"],
        "items": [{"month": "2026-01", "region": "420202", "region_name": "黄石港区", "births": 5}],
        "total": {"month": None, "region": None, "region_name": "合计", "births": 5},
    }


def test_sex_ratio_as_csv(app: FastAPI, client: TestClient, auth_headers: Headers) -> None:
    seed_births(app)

    response = client.get(
        "/v1/stats/sex-ratio",
        params={"format": "csv", "region": "420202"},
        headers=auth_headers("health_commission"),
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "sex-ratio.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["region"], r["males"], r["females"], r["sex_ratio"]) for r in rows] == [
        ("420202", "3", "2", "150.0"),
        ("", "3", "2", "150.0"),
    ]


def test_registration_completeness_over_http(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    as_of = date(2026, 3, 31)
    with unit_of_work(app.state.engine) as session:
        registered = add_birth(session, at(as_of - timedelta(days=45)))
        add_birth_entry(session, registered, as_of - timedelta(days=40))
        add_birth(session, at(as_of - timedelta(days=45)))

    response = client.get(
        "/v1/stats/registration-completeness",
        params={"as_of": as_of.isoformat()},
        headers=auth_headers("health_commission"),
    )

    assert response.status_code == 200, response.text
    total = response.json()["total"]
    assert (total["births"], total["registered_in_time"], total["completeness"]) == (2, 1, 0.5)


def test_discrepancy_closure_over_http(
    app: FastAPI, client: TestClient, staff_token: Callable[..., str]
) -> None:
    with unit_of_work(app.state.engine) as session:
        add_discrepancy(session, "ATTRIBUTE_MISMATCH", status="resolved", due_by=DAY)
        add_discrepancy(session, "ATTRIBUTE_MISMATCH", due_by=DAY)

    response = client.get(
        "/v1/stats/discrepancy-closure", headers=bearer(staff_token("clerk", "420202"))
    )

    assert response.status_code == 200, response.text
    rows = {i["type"]: i for i in response.json()["items"]}
    assert rows["ATTRIBUTE_MISMATCH"] == {
        "type": "ATTRIBUTE_MISMATCH",
        "opened": 2,
        "resolved": 1,
        "closure_rate": 0.5,
        "overdue": 1,
    }


def test_online_share_is_honest_about_having_no_applications(
    client: TestClient, auth_headers: Headers
) -> None:
    response = client.get("/v1/stats/online-share", headers=auth_headers("health_commission"))

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert response.json()["total"] == {
        "region": None,
        "region_name": "合计",
        "applications": 0,
        "online": 0,
        "online_share": None,
    }


def test_a_caller_elsewhere_sees_none_of_these_births(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed_births(app)

    response = client.get(
        "/v1/stats/sex-ratio", headers=auth_headers("health_commission", region="420100")
    )

    assert response.status_code == 200
    assert [i["region"] for i in response.json()["items"]] == ["420102"]


@pytest.mark.parametrize("name", STATISTICS)
def test_statistics_need_the_stats_read_scope(
    name: str, client: TestClient, auth_headers: Headers, staff_token: Callable[..., str]
) -> None:
    assert (
        client.get(f"/v1/stats/{name}", headers=auth_headers("maternal_health")).status_code == 403
    )
    assert (
        client.get(f"/v1/stats/{name}", headers=bearer(staff_token("auditor"))).status_code == 403
    )
    assert client.get(f"/v1/stats/{name}", headers=bearer(staff_token("clerk"))).status_code == 200


def test_each_request_is_audited_once_without_record_ids(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed_births(app)

    response = client.get(
        "/v1/stats/births-by-month",
        headers=auth_headers("health_commission", purpose="statistics"),
    )

    assert response.status_code == 200
    with Session(app.state.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.resource == "stats")).all()
    assert [(e.action, e.purpose, e.record_ids, e.person_ids) for e in events] == [
        ("births-by-month", "statistics", [], [])
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"region": "42"}, "region"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(
    params: dict[str, str], field: str, client: TestClient, auth_headers: Headers
) -> None:
    response = client.get(
        "/v1/stats/births-by-month", params=params, headers=auth_headers("health_commission")
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_as_of_in_the_future_is_422(client: TestClient, auth_headers: Headers) -> None:
    response = client.get(
        "/v1/stats/discrepancy-closure",
        params={"as_of": "2999-01-01"},
        headers=auth_headers("health_commission"),
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"


@pytest.mark.parametrize("name", STATISTICS)
def test_each_answer_is_what_the_document_promises(
    name: str, app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    seed_births(app)
    with unit_of_work(app.state.engine) as session:
        add_discrepancy(session, "ATTRIBUTE_MISMATCH", due_by=DAY)
        add_application(session, "online")
    path = f"/v1/stats/{name}"
    declared = app.openapi()["paths"][path]["get"]["responses"]["200"]["content"]
    routes = stats_routes.router.routes
    model = next(r.response_model for r in routes if r.path == f"/stats/{name}")  # type: ignore[attr-defined]

    answer = client.get(path, headers=auth_headers("health_commission")).json()

    assert set(declared) == {"application/json", "text/csv"}
    assert answer["items"] and answer["total"]
    model.model_validate(answer)  # rows and totals forbid members the document does not name
