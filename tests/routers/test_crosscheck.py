"""POST/GET /v1/crosscheck/runs: queueing a run for the worker and following its progress."""

import base64
import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.crosscheck.worker import claim_next, serve
from api.db import unit_of_work
from api.models import CrosscheckRun
from api.validation import today_in_china
from tests.crosscheck.support import FakeEngine, finding, queue, stand_in_engine

Headers = Callable[..., dict[str, str]]
RUNS = "/v1/crosscheck/runs"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    yield stand_in_engine(monkeypatch)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def work_the_queue(app: FastAPI) -> None:
    """What `vitalx worker --exit-when-idle` does (in this process, for speed)."""
    import threading

    serve(
        app.state.engine,
        app.state.settings,
        worker="t",
        stop=threading.Event(),
        exit_when_idle=True,
    )


def test_a_run_is_queued_for_the_worker_and_followed_to_its_end(
    app: FastAPI, client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    fake.findings = [finding(), finding()]
    headers = auth_headers("health_commission")
    response = client.post(RUNS, json={"as_of": "2026-01-05"}, headers=headers)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted == {"id": accepted["id"], "status": "queued"}
    assert response.headers["Location"] == f"{RUNS}/{accepted['id']}"
    queued = client.get(f"{RUNS}/{accepted['id']}", headers=headers).json()
    assert (queued["status"], queued["progress"]) == ("queued", {"phase": "queued", "percent": 0})
    assert fake.calls == 0  # nothing runs in the API's request threads
    work_the_queue(app)
    run = client.get(f"{RUNS}/{accepted['id']}", headers=headers).json()
    assert (run["status"], run["region"], run["as_of"]) == ("succeeded", "420200", "2026-01-05")
    assert (run["progress"], run["attempts"]) == ({"phase": "done", "percent": 100}, 1)
    assert run["counts"]["BIRTH_NOT_REGISTERED"] == 2
    assert (run["opened"], run["reopened"], run["closed"], run["unchanged"]) == (2, 0, 0, 0)
    assert run["started_at"].endswith("+08:00") and run["finished_at"].endswith("+08:00")
    assert (run["error"], run["reused"]) == (None, False)


def test_a_running_run_shows_its_phase_and_percentage(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    run = queue(app.state.engine)
    claim_next(app.state.engine, worker="w", settings=app.state.settings)
    with unit_of_work(app.state.engine) as session:
        row = session.get(CrosscheckRun, run.id)
        assert row is not None
        row.phase, row.percent = "link", 35
        session.add(row)
    shown = client.get(f"{RUNS}/{run.id}", headers=auth_headers("health_commission")).json()
    assert (shown["status"], shown["progress"]) == ("running", {"phase": "link", "percent": 35})


def test_a_run_defaults_to_today_and_the_callers_jurisdiction(
    client: TestClient, auth_headers: Headers
) -> None:
    headers = auth_headers("health_commission", region="420202")
    response = client.post(RUNS, headers=headers)
    assert response.status_code == 202, response.text
    run = client.get(f"{RUNS}/{response.json()['id']}", headers=headers).json()
    assert (run["region"], run["as_of"]) == ("420202", today_in_china().isoformat())


@pytest.mark.parametrize("region", ["420100", "420000", "000000"])
def test_a_region_outside_the_jurisdiction_is_forbidden_and_named(
    client: TestClient, auth_headers: Headers, region: str
) -> None:
    response = client.post(RUNS, json={"region": region}, headers=auth_headers("health_commission"))
    assert response.status_code == 403, response.text
    assert region in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "region"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"as_of": 0}, "as_of"),  # a number is not a day (it used to be read as 1970-01-01)
        ({"as_of": 20260105}, "as_of"),
        ({"as_of": "2026-01-05T00:00:00+08:00"}, "as_of"),
        ({"as_of": (today_in_china() + timedelta(days=1)).isoformat()}, "as_of"),
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"region": "999999"}, "region"),
        ({"region": "4202"}, "region"),
        ({"scope": "all"}, "scope"),
    ],
)
def test_invalid_requests_are_422_naming_the_field(
    client: TestClient, auth_headers: Headers, body: dict[str, Any], field: str
) -> None:
    response = client.post(RUNS, json=body, headers=auth_headers("health_commission"))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_day_before_the_last_successful_run_is_422(
    app: FastAPI, client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    headers = auth_headers("health_commission")
    assert client.post(RUNS, json={"as_of": "2026-01-05"}, headers=headers).status_code == 202
    work_the_queue(app)
    response = client.post(RUNS, json={"as_of": "2026-01-04"}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "as_of", "message": "must not be earlier than 2026-01-05"}
    ]
    assert client.post(RUNS, json={"as_of": "2026-01-05"}, headers=headers).status_code == 202


def test_a_back_dated_run_no_longer_wipes_the_worklist(
    app: FastAPI, client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    fake.findings = [finding() for _ in range(3)]
    headers = auth_headers("health_commission")
    client.post(RUNS, json={}, headers=headers)
    work_the_queue(app)
    fake.findings = []  # what a look at 1970 would find
    assert client.post(RUNS, json={"as_of": 0}, headers=headers).status_code == 422
    open_items = client.get("/v1/discrepancies", params={"status": "open"}, headers=headers)
    assert len(open_items.json()["items"]) == 3


def test_a_second_run_of_a_region_is_a_conflict_naming_the_running_one(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    running = queue(app.state.engine, region="420200")
    response = client.post(RUNS, json={}, headers=auth_headers("health_commission"))
    assert response.status_code == 409, response.text
    assert response.json()["existing_id"] == running.id


def test_starting_a_run_takes_the_run_scope(
    client: TestClient, auth_headers: Headers, staff_token: Callable[..., str]
) -> None:
    assert client.post(RUNS, headers=auth_headers("maternal_health")).status_code == 403
    assert client.post(RUNS, headers=bearer(staff_token("clerk"))).status_code == 403
    assert client.post(RUNS, headers=bearer(staff_token("supervisor"))).status_code == 202
    assert client.post(RUNS).status_code == 401


def test_a_run_outside_the_jurisdiction_does_not_exist_for_the_caller(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    wuhan = queue(app.state.engine, region="420100")
    inside = auth_headers("health_commission", region="420000")
    assert (
        client.get(f"{RUNS}/{wuhan.id}", headers=auth_headers("health_commission")).status_code
        == 404
    )
    assert client.get(f"{RUNS}/{wuhan.id}", headers=inside).status_code == 200
    assert client.get(f"{RUNS}/no-such-run", headers=inside).status_code == 404
    assert client.get(f"{RUNS}/x%00y", headers=inside).status_code == 422


def test_a_failed_run_says_so_without_internals(
    app: FastAPI, client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    fake.failure = RuntimeError("psycopg: password authentication failed for user vitalx")
    headers = auth_headers("health_commission")
    run_id = client.post(RUNS, headers=headers).json()["id"]
    work_the_queue(app)
    run = client.get(f"{RUNS}/{run_id}", headers=headers).json()
    assert (run["status"], run["progress"]["phase"]) == ("failed", "failed")
    assert "password" not in run["error"] and "previous results stand" in run["error"]


def test_runs_are_listed_newest_first_within_the_jurisdiction(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    queue(app.state.engine, region="420100")
    headers = auth_headers("health_commission")
    ids = [queue(app.state.engine, region=r).id for r in ("420202", "420203", "420204")]
    first = client.get(RUNS, params={"limit": 2}, headers=headers).json()
    rest = client.get(RUNS, params={"cursor": first["next_cursor"]}, headers=headers).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    year_one = json.dumps(["0001-01-01T00:00:00+01:00", "x"]).encode()
    for cursor in ("garbage", base64.urlsafe_b64encode(year_one).decode().rstrip("=")):
        assert client.get(RUNS, params={"cursor": cursor}, headers=headers).status_code == 422


def test_the_run_does_not_wait_for_the_worker_to_answer(
    client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    headers = auth_headers("health_commission")
    response = client.post(RUNS, json={"as_of": date(2026, 1, 5).isoformat()}, headers=headers)
    assert response.status_code == 202 and fake.calls == 0
