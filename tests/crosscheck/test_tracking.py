"""A discrepancy is presented (in its versions and on the feed) exactly as its public shape
`DiscrepancyOut` serialises it, whatever state it is in."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from api.crosscheck.tracking import is_overdue, present, present_values
from api.models import Discrepancy
from api.models.discrepancy import DiscrepancyOut, subject_href

NOW = datetime(2026, 3, 1, 16, 30, 5, 123456, tzinfo=UTC)


def row(**values: Any) -> Discrepancy:
    fields: dict[str, Any] = {
        "fingerprint": "f" * 64,
        "type": "ATTRIBUTE_MISMATCH",
        "region": "420202",
        "due_by": date(2026, 3, 31),
        "subjects": [
            {"resource": "births", "id": "b1"},
            {"resource": "household-entries", "id": "e1"},
        ],
        "fields": ["child_sex"],
        "details": {"score": 9.5, "comparison": {"sex": {"level": "different"}}, "agreed": []},
        "first_run_id": "run-1",
        "last_seen_run_id": "run-2",
        "created_at": NOW,
        "updated_at": NOW,
        "detected_at": NOW,
        "last_seen_at": NOW,
    }
    return Discrepancy(**(fields | values))


def by_pydantic(item: Discrepancy) -> dict[str, Any]:
    values = {n: getattr(item, n) for n in DiscrepancyOut.model_fields if n != "overdue"}
    values["overdue"] = is_overdue(item)
    values["subjects"] = [
        {**s, "href": subject_href(s["resource"], s["id"])} for s in item.subjects
    ]
    return DiscrepancyOut.model_validate(values).model_dump(mode="json")


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"due_by": date(2020, 1, 1)},
        {
            "status": "resolved",
            "resolution": "merged",
            "note": "同一人",
            "resolved_by": "clerk-1",
            "resolved_at": NOW + timedelta(days=2),
            "due_by": date(2020, 1, 1),
        },
        {
            "status": "reopened",
            "reopened_at": NOW,
            "reopen_count": 2,
            "assignee": "li",
            "assigned_at": NOW - timedelta(hours=1),
            "version": 5,
        },
    ],
)
def test_present_is_the_public_shape_in_json(state: dict[str, Any]) -> None:
    item = row(**state)
    assert present(item) == by_pydantic(item)
    assert list(present(item)) == list(by_pydantic(item))


def test_a_row_given_as_its_column_values_is_presented_the_same() -> None:
    item = row(status="reopened", reopened_at=NOW)
    columns = {c: getattr(item, c) for c in Discrepancy.model_fields}
    assert present_values(columns) == present(item)
