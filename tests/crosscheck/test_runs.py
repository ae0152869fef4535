"""Requesting a run: one per region at a time, inside the caller's jurisdiction, as of a day
that is neither in the future nor before the last successful look at the region."""

import threading
import time
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from api.crosscheck.runs import covering_regions, request_run
from api.db import unit_of_work
from api.errors import Conflict, Forbidden, InvalidInput
from api.models import CrosscheckRun
from api.validation import today_in_china
from tests.crosscheck.support import ADMIN, clerk, queue


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    db: Engine = app.state.engine
    return db


def finished(engine: Engine, region: str, as_of: date, status: str = "succeeded") -> None:
    with unit_of_work(engine) as session:
        session.add(
            CrosscheckRun(
                region=region,
                as_of=as_of,
                status=status,
                requested_by="x",
                requested_department="admin",
            )
        )


def test_a_run_is_queued_for_a_worker(engine: Engine) -> None:
    run = queue(engine, as_of=date(2026, 1, 5))
    assert (run.status, run.region, run.as_of, run.claimed_by) == (
        "queued",
        "420200",
        date(2026, 1, 5),
        None,
    )


def test_a_region_has_one_run_at_a_time(engine: Engine) -> None:
    first = queue(engine)
    with pytest.raises(Conflict) as refused:
        queue(engine)
    assert refused.value.extra["existing_id"] == first.id
    assert first.id in refused.value.detail
    assert queue(engine, region="420100").status == "queued"


def test_the_database_itself_allows_one_active_run_per_region(engine: Engine) -> None:
    finished(engine, "420200", date(2026, 1, 1), "running")
    with pytest.raises(IntegrityError):
        finished(engine, "420200", date(2026, 1, 1), "queued")
    finished(engine, "420200", date(2026, 1, 1), "succeeded")
    finished(engine, "420200", date(2026, 1, 1), "failed")


def test_two_schedulers_racing_for_one_region_start_one_run(engine: Engine) -> None:
    together = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            with unit_of_work(engine) as session:
                together.wait()
                request_run(session, access=ADMIN, region="420200")
                time.sleep(0.2)  # both transactions are open at once
            outcomes.append("queued")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["queued", "refused"]


def test_a_region_outside_the_jurisdiction_is_refused(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(Forbidden) as refused:
        request_run(session, access=clerk("420200"), region="420100")
    assert "420100" in refused.value.detail
    assert refused.value.errors[0]["field"] == "region"


def test_a_future_day_is_refused_naming_as_of(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(InvalidInput) as refused:
        request_run(session, access=ADMIN, as_of=today_in_china() + timedelta(days=1))
    assert refused.value.errors[0]["field"] == "as_of"


def test_a_day_before_the_last_successful_run_of_the_region_is_refused(engine: Engine) -> None:
    last = date(2026, 1, 10)
    finished(engine, "420200", last)
    finished(engine, "420200", date(2026, 2, 1), "failed")  # a failed run saw nothing
    for day in (date(1970, 1, 1), last - timedelta(days=1)):
        with unit_of_work(engine) as session, pytest.raises(InvalidInput) as refused:
            request_run(session, access=ADMIN, region="420200", as_of=day)
        assert refused.value.errors[0]["field"] == "as_of"
        assert "2026-01-10" in refused.value.detail
    assert queue(engine, region="420200", as_of=last).as_of == last


def test_a_run_of_a_wider_region_counts_for_the_narrower_one(engine: Engine) -> None:
    finished(engine, "420000", date(2026, 1, 10))
    with unit_of_work(engine) as session, pytest.raises(InvalidInput):
        request_run(session, access=ADMIN, region="420202", as_of=date(2026, 1, 9))
    # Another province's is no concern of it.
    assert queue(engine, region="430100", as_of=date(2026, 1, 9)).status == "queued"


def test_the_regions_that_cover_a_county() -> None:
    assert covering_regions("420202") == ["000000", "420000", "420200", "420202"]
    assert covering_regions("000000") == ["000000"]
    assert covering_regions("420000") == ["000000", "420000"]
