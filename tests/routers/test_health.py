"""Operations endpoints (interface §4 "Operations"): liveness, readiness, metrics."""

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from tests.harness import make_settings


def test_healthz_answers_ok_without_a_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_when_the_schema_is_at_head(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_503_problem_json_on_an_unmigrated_database(
    scratch_database_url: str, signing_key_file: Path
) -> None:
    app = create_app(make_settings(scratch_database_url, signing_key_file))
    try:
        with TestClient(app) as client:
            response = client.get("/readyz")
    finally:
        app.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "vitalx migrate" in response.json()["detail"]


def test_readyz_is_503_when_the_database_is_unreachable(
    tmp_path: Path, signing_key_file: Path
) -> None:
    # A directory where the database file should be: SQLite cannot open it.
    (tmp_path / "db").mkdir()
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'db'}", signing_key_file))
    try:
        with TestClient(app) as client:
            response = client.get("/readyz")
    finally:
        app.state.engine.dispose()
    assert response.status_code == 503
    assert "not reachable" in response.json()["detail"]


def test_metrics_are_prometheus_text_counted_by_route_template(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    client.get("/healthz")
    client.get("/no/such/path/420202199503040040")
    admin = token_for("admin", region="000000")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "vitalx_http_requests_total" in text
    assert 'route="/healthz"' in text
    # Raw paths (which could carry identifiers) never become label values.
    assert "420202199503040040" not in text
