"""Days and instants a client sends: strictly written, within a plausible range."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from api.validation import BirthDate, Day, EventInstant, today_in_china


class Sample(BaseModel):
    day: Day | None = None
    born: BirthDate | None = None
    at: EventInstant | None = None


@pytest.mark.parametrize("value", [0, 1, 20260301, 1.5, "0", "20260301", "2026-3-1", True, [], {}])
def test_a_day_is_never_read_from_a_number_or_a_loose_string(value: object) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        Sample(day=value)


def test_a_day_is_read_from_iso_text_or_a_date() -> None:
    assert Sample(day="2026-03-01").day == date(2026, 3, 1)
    assert Sample(day=date(2026, 3, 1)).day == date(2026, 3, 1)


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_day_outside_1900_to_2100_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="between 1900-01-01 and 2100-12-31"):
        Sample(day=value)


def test_an_impossible_calendar_day_is_refused() -> None:
    with pytest.raises(ValidationError, match="calendar date"):
        Sample(day="2026-02-30")


def test_a_birth_date_goes_back_to_1880_and_not_into_the_future() -> None:
    assert Sample(born="1880-01-01").born == date(1880, 1, 1)
    with pytest.raises(ValidationError, match="before 1880"):
        Sample(born="1879-12-31")
    with pytest.raises(ValidationError, match="future"):
        Sample(born=(today_in_china() + timedelta(days=1)).isoformat())


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00-14:00",
        "9999-12-31T23:59:59-01:00",
        "1899-12-31T23:00:00Z",
        "2101-01-01T00:00:00+08:00",
    ],
)
def test_an_instant_outside_1900_to_2100_is_refused_before_any_conversion(value: str) -> None:
    with pytest.raises(ValidationError, match="between 1900 and 2100"):
        Sample(at=value)


@pytest.mark.parametrize(
    "value", [0, 1700000000, "0", "1700000000", "2026-03-01", "2026-03-01T08:30:00", "yesterday"]
)
def test_an_instant_needs_rfc3339_text_with_an_offset(value: object) -> None:
    with pytest.raises(ValidationError, match="RFC 3339"):
        Sample(at=value)


def test_an_instant_keeps_its_offset_and_converts_to_utc() -> None:
    at = Sample(at="2026-03-01T08:30:00+08:00").at
    assert at is not None
    assert at.astimezone(UTC) == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert Sample(at="2026-03-01t00:30:00.5z").at == datetime(2026, 3, 1, 0, 30, 0, 500000, UTC)


def test_an_aware_datetime_object_passes_and_a_naive_one_does_not() -> None:
    aware = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    assert Sample(at=aware).at == aware
    with pytest.raises(ValidationError, match="RFC 3339"):
        Sample(at=datetime(2026, 3, 1, 8, 30))
