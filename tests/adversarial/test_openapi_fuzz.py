"""Schemathesis over the OpenAPI document: no input makes a 5xx, no refusal stores anything.

Each operation of `/v1/openapi.json` gets generated requests, valid and invalid by the
schema, from a caller that may use it (maternal health for ultrasound exams, an auditor for
the audit log, an admin otherwise), with `X-Purpose-Of-Use` drawn from that caller's allowed
purposes (or left out). ID numbers and region codes come from generators that make valid
ones (GB 11643 check character, GB/T 2260 table), so that requests get past validation and
reach the services. Every answer must be below 500, and an answer of 400 or more must leave
the stored records as they were.

`CI=true` runs 50 examples an operation; elsewhere `VITALX_FUZZ_EXAMPLES` (default 6).
"""

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from api.access.policy import DEPARTMENT_PURPOSES, Department
from api.app import create_app
from api.validation import id_number_check_char, region_table
from tests.adversarial.conftest import stored_state
from tests.conftest import Credentials
from tests.harness import make_settings

CI = os.environ.get("CI", "").lower() == "true"
EXAMPLES = 50 if CI else int(os.environ.get("VITALX_FUZZ_EXAMPLES", "6"))

ID_PATTERN = "^[0-9]{17}[0-9Xx]$"
REGION_PATTERN = "^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"
PREFIX_PATTERN = "^[0-9]{6}$"
PREFIXES = ["000000", "420000", "420200", "420202", "420100", "110000"]

schemathesis.serializer.alias("application/x-ndjson", "text/plain")


def _counties() -> list[str]:
    wanted = ("4202", "4201", "1101")
    return sorted(c for c in region_table() if c.startswith(wanted) and not c.endswith("00"))


COUNTIES = _counties()


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Valid GB 11643 numbers: a county of the table, a real birth date, the check character."""
    county = draw(st.sampled_from(COUNTIES))
    born = draw(st.dates(date(1930, 1, 1), date.today() - timedelta(days=1)))
    first17 = f"{county}{born:%Y%m%d}{draw(st.integers(1, 999)):03d}"
    return first17 + id_number_check_char(first17)


schemathesis.openapi.format("gb11643", id_numbers())
schemathesis.openapi.format(
    "gb2260",
    st.one_of(st.sampled_from(COUNTIES), st.sampled_from(COUNTIES).map(lambda c: c + "001")),
)
schemathesis.openapi.format("gb2260-prefix", st.sampled_from(PREFIXES))
# Dates and instants mostly in a plausible range (so that records get stored), sometimes not.
_DAYS = st.one_of(
    st.dates(date(1950, 1, 1), date.today()),
    st.dates(date(1950, 1, 1), date.today()),
    st.dates(),
)
schemathesis.openapi.format("date", _DAYS.map(date.isoformat))
schemathesis.openapi.format(
    "date-time",
    st.builds(
        lambda day, seconds, offset: (
            f"{day.isoformat()}T{seconds // 3600:02d}:"
            f"{seconds // 60 % 60:02d}:{seconds % 60:02d}{offset}"
        ),
        _DAYS,
        st.integers(0, 86399),
        st.sampled_from(["+08:00", "Z", "-05:00", "+14:00"]),
    ),
)


def _with_formats(node: Any) -> Any:
    """The OpenAPI document with our formats on ID-number and region fields."""
    if isinstance(node, dict):
        node = {k: _with_formats(v) for k, v in node.items()}
        pattern = node.get("pattern")
        if pattern == ID_PATTERN:
            node["format"] = "gb11643"
        elif pattern == REGION_PATTERN:
            node["format"] = "gb2260"
        elif pattern == PREFIX_PATTERN:
            node["format"] = "gb2260-prefix"
        return node
    if isinstance(node, list):
        return [_with_formats(v) for v in node]
    return node


def _operation_keys() -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            make_settings(f"sqlite:///{scratch}/collect.db", Path(scratch) / "key.pem")
        )
        keys = [
            f"{method.upper()} {path}"
            for path, item in app.openapi()["paths"].items()
            for method in item
        ]
        app.state.engine.dispose()
    return sorted(keys)


OPERATIONS = _operation_keys()


def _caller(path: str) -> tuple[str, str]:
    """The department and region of a caller that may use the operation."""
    if path.startswith("/v1/ultrasound-exams"):
        return "maternal_health", "420200"
    if path.startswith("/v1/audit-events"):
        return "auditor", "000000"
    return "admin", "000000"


@pytest.mark.parametrize("key", OPERATIONS)
def test_no_generated_request_makes_a_5xx_or_a_change_it_was_refused(
    key: str, app: FastAPI, credentials: Credentials
) -> None:
    method, path = key.split(" ", 1)
    department, region = _caller(path)
    token = credentials.token_for(department, region)
    purposes = [p.value for p in DEPARTMENT_PURPOSES[Department(department)]]
    raw = _with_formats(app.openapi())
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    operation = schema[path][method.lower()]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=CI,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, purpose=st.sampled_from([None, *purposes]))
    def run(case: Any, purpose: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if purpose:
            headers["X-Purpose-Of-Use"] = purpose
        ours = {"authorization", "x-purpose-of-use"}
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ours}
        before = stored_state(app)
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} for {case.as_curl_command()}")
        elif response.status_code >= 400 and stored_state(app) != before:
            failures.append(
                f"refused with {response.status_code} but stored: {case.as_curl_command()}"
            )

    run()
    assert failures == [], "\n".join(failures[:5])
