"""POST/GET /v1/crosscheck/runs: starting a run in the background and following it."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.crosscheck.linkage import engine as linkage_engine
from api.validation import today_in_china
from tests.test_crosscheck import FakeEngine, queue
from tests.test_worklist import finding

Headers = Callable[..., dict[str, str]]
RUNS = "/v1/crosscheck/runs"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    stand_in = FakeEngine()
    monkeypatch.setattr(linkage_engine, "link", stand_in)
    yield stand_in


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_run_is_accepted_then_carried_out_in_the_background(
    client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    fake.findings = [finding(), finding()]
    headers = auth_headers("health_commission")
    response = client.post(RUNS, json={"as_of": "2026-01-05"}, headers=headers)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert set(accepted) == {"id", "status"}
    assert accepted["status"] == "queued"
    assert response.headers["Location"] == f"{RUNS}/{accepted['id']}"
    shown = client.get(f"{RUNS}/{accepted['id']}", headers=headers)
    assert shown.status_code == 200, shown.text
    run = shown.json()
    assert (run["status"], run["region"], run["as_of"]) == ("succeeded", "420200", "2026-01-05")
    assert run["counts"]["BIRTH_NOT_REGISTERED"] == 2
    assert (run["opened"], run["reopened"], run["closed"], run["unchanged"]) == (2, 0, 0, 0)
    assert run["started_at"].endswith("+08:00") and run["finished_at"].endswith("+08:00")
    assert (run["error"], run["reused"]) == (None, False)


def test_a_run_defaults_to_today_and_the_callers_jurisdiction(
    client: TestClient, auth_headers: Headers, fake: FakeEngine
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


def test_a_narrower_region_is_allowed(
    client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    headers = auth_headers("health_commission")
    assert client.post(RUNS, json={"region": "420202"}, headers=headers).status_code == 202


@pytest.mark.parametrize(
    "body",
    [
        {"as_of": (today_in_china() + timedelta(days=1)).isoformat()},
        {"as_of": "2026-02-30"},
        {"region": "999999"},
        {"region": "4202"},
        {"scope": "all"},
    ],
)
def test_invalid_requests_are_422(client: TestClient, auth_headers: Headers, body: dict) -> None:
    response = client.post(RUNS, json=body, headers=auth_headers("health_commission"))
    assert response.status_code == 422, response.text


def test_a_second_run_of_a_region_is_a_conflict_naming_the_running_one(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    running = queue(app.state.engine, app.state.settings, region="420200")
    response = client.post(RUNS, json={}, headers=auth_headers("health_commission"))
    assert response.status_code == 409, response.text
    assert response.json()["existing_id"] == running.id


def test_starting_a_run_takes_the_run_scope(
    client: TestClient, auth_headers: Headers, staff_token: Callable[..., str], fake: FakeEngine
) -> None:
    assert client.post(RUNS, headers=auth_headers("maternal_health")).status_code == 403
    assert client.post(RUNS, headers=bearer(staff_token("clerk"))).status_code == 403
    assert client.post(RUNS, headers=bearer(staff_token("supervisor"))).status_code == 202
    assert client.post(RUNS).status_code == 401


def test_a_run_outside_the_jurisdiction_does_not_exist_for_the_caller(
    app: FastAPI, client: TestClient, auth_headers: Headers
) -> None:
    wuhan = queue(app.state.engine, app.state.settings, region="420100")
    inside = auth_headers("health_commission", region="420000")
    assert (
        client.get(f"{RUNS}/{wuhan.id}", headers=auth_headers("health_commission")).status_code
        == 404
    )
    assert client.get(f"{RUNS}/{wuhan.id}", headers=inside).status_code == 200
    assert client.get(f"{RUNS}/no-such-run", headers=inside).status_code == 404


def test_a_failed_run_says_so_without_internals(
    client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    fake.failure = RuntimeError("psycopg: password authentication failed for user vitalx")
    headers = auth_headers("health_commission")
    run_id = client.post(RUNS, headers=headers).json()["id"]
    run = client.get(f"{RUNS}/{run_id}", headers=headers).json()
    assert run["status"] == "failed"
    assert "password" not in run["error"] and "previous results stand" in run["error"]


def test_runs_are_listed_newest_first_within_the_jurisdiction(
    app: FastAPI, client: TestClient, auth_headers: Headers, fake: FakeEngine
) -> None:
    queue(app.state.engine, app.state.settings, region="420100")
    headers = auth_headers("health_commission")
    ids = [client.post(RUNS, headers=headers).json()["id"] for _ in range(3)]
    first = client.get(RUNS, params={"limit": 2}, headers=headers).json()
    rest = client.get(RUNS, params={"cursor": first["next_cursor"]}, headers=headers).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    bad = client.get(RUNS, params={"cursor": "garbage"}, headers=headers)
    assert bad.status_code == 422
