"""Issue #9, defect 12: no-store on personal data, /metrics behind a token, POST forms, masks.

Before the fix /v1 answers carried no `Cache-Control`, `/metrics` answered anyone, the
portal's forms would submit a password or an ID number in the URL before the script
loaded, and a masked person showed the birth date the mask hides.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.portal import STATIC_DIR
from tests.factories import person_body

TokenFor = Callable[..., str]
SCRAPER_TOKEN = "s" * 40


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/persons"),
        ("GET", "/v1/persons/no-such-id"),
        ("GET", "/v1/births"),
        ("POST", "/v1/persons/lookup"),
    ],
)
def test_every_v1_answer_is_never_stored_with_a_token_or_without(
    client: TestClient, token_for: TokenFor, method: str, path: str
) -> None:
    for headers in ({}, bearer(token_for("public_security"))):
        response = client.request(method, path, headers=headers, json={"id_number": "x"})
        assert response.headers["cache-control"] == "no-store", (path, response.status_code)
        assert response.headers["pragma"] == "no-cache"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_token_answers_and_refusals_are_never_stored(client: TestClient) -> None:
    refused = client.post("/oauth/token", data={"grant_type": "password"})
    assert refused.status_code >= 400
    assert refused.headers["cache-control"] == "no-store"


def test_metrics_need_an_administrators_token(
    client: TestClient, token_for: TokenFor, staff_token: Callable[..., str]
) -> None:
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert client.get("/metrics", headers=bearer("forged")).status_code == 401
    assert client.get("/metrics", headers=bearer(token_for("auditor"))).status_code == 403
    assert client.get("/metrics", headers=bearer(staff_token("clerk"))).status_code == 403
    admitted = client.get("/metrics", headers=bearer(token_for("admin", region="000000")))
    assert admitted.status_code == 200
    assert "vitalx_http_requests_total" in admitted.text


def test_metrics_answer_the_configured_scraper_token(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_bearer_token": SCRAPER_TOKEN}))
    try:
        with TestClient(app) as client:
            assert client.get("/metrics", headers=bearer(SCRAPER_TOKEN)).status_code == 200
            assert client.get("/metrics", headers=bearer(SCRAPER_TOKEN[:-1])).status_code == 401
    finally:
        app.state.engine.dispose()


def test_a_short_scraper_token_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="metrics_bearer_token"):
        Settings(metrics_bearer_token="short")


def test_every_portal_form_posts_so_nothing_typed_lands_in_a_url() -> None:
    page = Path(STATIC_DIR / "index.html").read_text(encoding="utf-8")
    forms = re.findall(r"<form\b[^>]*>", page)
    assert forms
    for form in forms:
        assert re.search(r'method="(post|dialog)"', form), form


def _clerk_lookup(client: TestClient, id_number: str, token: str, **headers: str) -> Any:
    response = client.post(
        "/v1/persons/lookup", json={"id_number": id_number}, headers={**bearer(token), **headers}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_masked_person_does_not_show_the_birth_date_the_mask_hides(
    client: TestClient, auth_headers: Callable[..., dict[str, str]], staff_token: Callable[..., str]
) -> None:
    body = person_body()
    created = client.post("/v1/persons", json=body, headers=auth_headers("public_security"))
    assert created.status_code == 201, created.text
    full = body["id_number"]
    clerk = staff_token("clerk")

    masked = _clerk_lookup(client, full, clerk)
    assert masked["id_number"] == f"{full[:6]}********{full[14:]}"
    assert masked["birth_date"] is None
    assert full[6:14] not in str(masked)
    assert f"{full[6:10]}-{full[10:12]}-{full[12:14]}" not in str(masked)

    opened = _clerk_lookup(client, full, clerk, **{"X-Purpose-Of-Use": "citizen-request"})
    assert opened["id_number"] == full
    assert opened["birth_date"] == body["birth_date"]


def test_the_portal_card_hides_the_birth_date_while_the_number_is_masked() -> None:
    script = Path(STATIC_DIR / "persons.js").read_text(encoding="utf-8")
    assert '["出生日期", shownBirthDate(person, unmasked)]' in script
    assert re.search(r"if \(!unmasked\) return \"[^\"0-9]*\";", script)
