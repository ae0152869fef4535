"""Helpers for application and certificate tests: a couple on record, staff headers."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import application_body, marriage_body, person_body

URL = "/v1/birth-service-applications"
Headers = Callable[..., dict[str, str]]


@dataclass
class Couple:
    """Two persons on record (and their marriage, when they have one)."""

    wife: dict[str, Any]
    husband: dict[str, Any]
    marriage: dict[str, Any] | None

    def body(self, **overrides: Any) -> dict[str, Any]:
        """An application of this couple, the wife applying."""
        fields: dict[str, Any] = {
            "applicant": {
                "id_number": self.wife["id_number"],
                "name": self.wife["name"],
                "phone": "13800138000",
            },
            "spouse": {"id_number": self.husband["id_number"], "name": self.husband["name"]},
        }
        if self.marriage is not None:
            fields["marriage_certificate_no"] = self.marriage["certificate_no"]
        return application_body(**{**fields, **overrides})


def register_person(client: TestClient, auth_headers: Headers, **overrides: Any) -> dict[str, Any]:
    """A person created by public security (full ID number in the answer)."""
    response = client.post(
        "/v1/persons", json=person_body(**overrides), headers=auth_headers("public_security")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def register_couple(
    client: TestClient,
    auth_headers: Headers,
    *,
    married: bool = True,
    wife: dict[str, Any] | None = None,
    household_region: str = "420202",
) -> Couple:
    """A wife and a husband of `household_region`, married unless told otherwise."""
    wife_row = register_person(
        client, auth_headers, household_region=household_region, **(wife or {})
    )
    husband = register_person(
        client,
        auth_headers,
        sex="male",
        birth_date=date(1993, 5, 20),
        household_region=household_region,
    )
    marriage = None
    if married:
        body = marriage_body(
            party_a={"id_number": husband["id_number"], "name": husband["name"]},
            party_b={"id_number": wife_row["id_number"], "name": wife_row["name"]},
        )
        response = client.post("/v1/marriages", json=body, headers=auth_headers("civil_affairs"))
        assert response.status_code == 201, response.text
        marriage = response.json()
    return Couple(wife_row, husband, marriage)


def bearer(token: str, purpose: str | None = None) -> dict[str, str]:
    """Headers of a staff token (with a stated purpose: unmasked ID numbers)."""
    headers = {"Authorization": f"Bearer {token}"}
    if purpose:
        headers["X-Purpose-Of-Use"] = purpose
    return headers


def checks_by_code(application: dict[str, Any]) -> dict[str, str]:
    """`{code: result}` of an application's checks."""
    return {c["code"]: c["result"] for c in application["checks"]}
