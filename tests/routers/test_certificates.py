"""Certificates: the PDF (text extractable, page not blank), the JWS, public verification."""

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from jose import jws
from sqlmodel import Session, col, select

from api.models import AuditEvent
from tests.applications.support import URL, bearer
from tests.factories import application_body, id_number

VERIFY = "/v1/certificates/verify"
HOLDER = "𠮷野"
SPOUSE = "阿卜杜·热合曼"


@pytest.fixture
def clerk(staff_token: Any) -> dict[str, str]:
    return bearer(staff_token("clerk"))


@pytest.fixture
def reviewer(staff_token: Any) -> dict[str, str]:
    return bearer(staff_token("reviewer"))


def issued(client: TestClient, clerk: dict[str, str], reviewer: dict[str, str]) -> dict[str, Any]:
    body = application_body(
        applicant={"id_number": id_number(), "name": HOLDER, "phone": "13800138000"},
        spouse={"id_number": id_number(sex="male"), "name": SPOUSE},
        child_order=3,
    )
    created = client.post(URL, json=body, headers=clerk)
    assert created.status_code == 201, created.text
    response = client.post(f"{URL}/{created.json()['id']}/issue", headers=reviewer)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def verify(client: TestClient, certificate_no: str, code: str) -> Any:
    return client.get(VERIFY, params={"certificate_no": certificate_no, "code": code})


# -- the PDF -------------------------------------------------------------------------------


def _pdf(client: TestClient, app: dict[str, Any], headers: dict[str, str], tmp: Path) -> Path:
    response = client.get(
        f"{URL}/{app['id']}/certificate.pdf",
        headers={**headers, "X-Verification-Code": app["verification_code"]},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    path = tmp / "certificate.pdf"
    path.write_bytes(response.content)
    return path


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_text_carries_every_name_and_the_facts(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], tmp_path: Path
) -> None:
    app = issued(client, clerk, reviewer)
    path = _pdf(client, app, clerk, tmp_path)

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()

    assert "生育服务登记证明" in text
    assert HOLDER in text
    assert SPOUSE in text
    assert app["certificate_no"] in text
    assert app["verification_code"] in text
    assert "第3孩" in text
    assert "湖北省黄石市黄石港区" in text
    assert "黄石市黄石港区卫生健康局" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "Helvetica" not in fonts  # every glyph comes from an embedded font
    assert all(" yes " in line for line in fonts.splitlines()[2:])


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_page_one_renders_and_is_not_blank(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], tmp_path: Path
) -> None:
    path = _pdf(client, issued(client, clerk, reviewer), clerk, tmp_path)

    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    [page] = list(tmp_path.glob("p*.pgm"))
    pixels = page.read_bytes().split(b"\n", 3)[3]
    dark = sum(1 for b in pixels if b < 128)
    assert dark > len(pixels) * 0.01, "page 1 is blank"


def test_the_pdf_without_the_code_still_prints_and_a_wrong_code_is_refused(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str]
) -> None:
    app = issued(client, clerk, reviewer)
    url = f"{URL}/{app['id']}/certificate.pdf"

    assert client.get(url, headers=clerk).status_code == 200
    wrong = client.get(url, headers={**clerk, "X-Verification-Code": "2222-2222"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "X-Verification-Code"


def test_no_certificate_before_issue(client: TestClient, clerk: dict[str, str]) -> None:
    created = client.post(URL, json=application_body(), headers=clerk).json()

    for document in ("certificate.pdf", "certificate.jws"):
        response = client.get(f"{URL}/{created['id']}/{document}", headers=clerk)
        assert response.status_code == 409
        assert response.json()["current_status"] == "submitted"


def test_another_district_gets_404_for_the_documents(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], staff_token: Any
) -> None:
    app = issued(client, clerk, reviewer)
    elsewhere = bearer(staff_token("clerk", region="420281"))

    assert client.get(f"{URL}/{app['id']}/certificate.pdf", headers=elsewhere).status_code == 404
    assert client.get(f"{URL}/{app['id']}/certificate.jws", headers=elsewhere).status_code == 404


# -- the signed credential -----------------------------------------------------------------


def test_the_jws_verifies_with_the_jwks_alone_and_a_tampered_one_does_not(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str]
) -> None:
    app = issued(client, clerk, reviewer)
    token = client.get(f"{URL}/{app['id']}/certificate.jws", headers=clerk)
    assert token.status_code == 200
    assert token.headers["content-type"].startswith("application/jose")
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    header = jws.get_unverified_header(token.text)
    [key] = [k for k in keys if k["kid"] == header["kid"]]

    claims = json.loads(jws.verify(token.text, key, algorithms=["ES256"]))

    assert header["alg"] == "ES256"
    assert claims["certificate_no"] == app["certificate_no"]
    assert claims["holder"]["name"] == HOLDER
    assert claims["spouse"]["name"] == SPOUSE
    assert claims["child_order"] == 3
    assert claims["type"] == "birth-service-registration"
    assert claims["holder"]["id_number_masked"].count("*") == 8
    head, _payload, signature = token.text.split(".")
    forged = dict(claims, child_order=1)
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(Exception):  # noqa: B017 - jose raises JWSError/JWSSignatureError
        jws.verify(f"{head}.{forged_payload}.{signature}", key, algorithms=["ES256"])


# -- public verification -------------------------------------------------------------------


def test_verification_answers_exactly_four_fields_without_a_token(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str]
) -> None:
    app = issued(client, clerk, reviewer)

    right = verify(client, app["certificate_no"], app["verification_code"].lower().replace("-", ""))
    wrong = verify(client, app["certificate_no"], "2222-2222")
    unknown = verify(client, "420202-1999-999999", app["verification_code"])

    assert right.status_code == 200
    assert right.json() == {
        "valid": True,
        "issued_on": app["issued_on"],
        "holder_name_masked": "𠮷*",
        "status": "valid",
    }
    assert "RateLimit-Remaining" in right.headers
    nothing = {"valid": False, "issued_on": None, "holder_name_masked": None, "status": None}
    assert wrong.json() == nothing
    assert unknown.json() == nothing


def test_withdrawal_after_issue_revokes_and_reissue_replaces(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str]
) -> None:
    first = issued(client, clerk, reviewer)
    reissued = client.post(
        f"{URL}/{first['id']}/reissue", json={"reason": "证明遗失"}, headers=reviewer
    )
    assert reissued.status_code == 200, reissued.text
    second = reissued.json()
    assert second["certificate_no"] != first["certificate_no"]
    assert second["status"] == "issued"

    old = verify(client, first["certificate_no"], first["verification_code"]).json()
    assert old["valid"] is False and old["status"] == "replaced"
    assert verify(client, second["certificate_no"], second["verification_code"]).json()["valid"]

    client.post(f"{URL}/{first['id']}/withdraw", json={"reason": "申请人撤回"}, headers=clerk)

    revoked = verify(client, second["certificate_no"], second["verification_code"]).json()
    assert revoked == {
        "valid": False,
        "issued_on": second["issued_on"],
        "holder_name_masked": "𠮷*",
        "status": "revoked",
    }
    assert client.get(f"{URL}/{first['id']}/certificate.pdf", headers=clerk).status_code == 409


def test_thirty_wrong_codes_in_a_row_meet_a_429_and_every_attempt_is_audited(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str], session: Session
) -> None:
    app = issued(client, clerk, reviewer)

    statuses = [
        verify(client, app["certificate_no"], f"2222-{n:04d}").status_code for n in range(30)
    ]

    assert 429 in statuses
    refused = verify(client, app["certificate_no"], app["verification_code"])
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.json()["status"] == 429
    attempts = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "verify")).all()
    assert len(attempts) == 31
    assert {a.actor_type for a in attempts} == {"public"}
    assert {a.outcome for a in attempts} == {"denied"}


def test_the_qr_target_is_the_public_verification_page(
    client: TestClient, clerk: dict[str, str], reviewer: dict[str, str]
) -> None:
    from api.certificates.documents import verification_url

    app = issued(client, clerk, reviewer)
    url = urlparse(
        verification_url("https://vitalx.example", app["certificate_no"], app["verification_code"])
    )
    query = {k: v[0] for k, v in parse_qs(url.query).items()}

    assert url.path == "/portal/verify.html"
    assert client.get(url.path).status_code == 200
    assert verify(client, query["certificate_no"], query["code"]).json()["valid"] is True
