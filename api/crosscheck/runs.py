"""Cross-check runs (信息比对): requesting one, and reading them.

A run is queued here (by the API, the command line or the nightly schedule) and carried
out by a worker process (`vitalx worker`, api/crosscheck/worker.py), never in the API's
request threads. The database allows one queued or running run per region (a partial
unique index), so two schedulers or API workers cannot start the same region twice.

`as_of` is a day: not in the future, and not earlier than the last successful run that
covered the region, so that a back-dated run never undoes what a later look found.
"""

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.access.jurisdiction import covers, jurisdiction_filter
from api.access.policy import Department, Purpose
from api.access.principal import Access, ActorType, tokenless_access
from api.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from api.journal.audit import record_access
from api.models import CrosscheckRun
from api.models.crosscheck_run import ACTIVE_STATUSES, RunStatus
from api.models.types import utcnow
from api.pagination import Page, keyset_page
from api.validation import NATIONAL_PREFIX, today_in_china

RESOURCE = "crosscheck-runs"


def operator_access(subject: str, region: str) -> Access:
    """An operator at the server's command line (or its scheduler) acting as admin."""
    return tokenless_access(
        ActorType.OPERATOR,
        subject=subject,
        department=Department.ADMIN,
        region=region,
        purpose=Purpose.CROSSCHECK,
    )


def active_run(session: Session, region: str) -> CrosscheckRun | None:
    """The queued or running run of `region`, if any."""
    return session.exec(
        select(CrosscheckRun).where(
            CrosscheckRun.region == region, col(CrosscheckRun.status).in_(ACTIVE_STATUSES)
        )
    ).first()


def covering_regions(region: str) -> list[str]:
    """`region` and every jurisdiction that contains it (420202: 420202, 420200, 420000, 000000)."""
    candidates = {NATIONAL_PREFIX, region[:2] + "0000", region[:4] + "00", region}
    found = []
    for candidate in sorted(candidates):
        try:
            if covers(candidate, region):
                found.append(candidate)
        except ValueError:  # e.g. a prefecture code the table does not have
            continue
    return found


def last_succeeded_as_of(session: Session, region: str) -> date | None:
    """The latest day a successful run covering `region` looked at."""
    latest: date | None = session.exec(
        select(func.max(CrosscheckRun.as_of)).where(
            col(CrosscheckRun.region).in_(covering_regions(region)),
            CrosscheckRun.status == RunStatus.SUCCEEDED.value,
        )
    ).one()
    return latest


def check_as_of(session: Session, region: str, as_of: date | None) -> date:
    """The day to run as of: default today; 422 naming `as_of` if in the future or earlier
    than the last successful run covering the region."""
    today = today_in_china()
    day = as_of or today
    if day > today:
        raise InvalidInput(
            "as_of must not be in the future.",
            errors=[FieldError("as_of", "must not be in the future")],
        )
    last = last_succeeded_as_of(session, region)
    if last is not None and day < last:
        raise InvalidInput(
            f"as_of must not be earlier than {last}, the day the last successful cross-check "
            f"of region {region} looked at.",
            errors=[FieldError("as_of", f"must not be earlier than {last}")],
        )
    return day


def request_run(
    session: Session,
    *,
    access: Access,
    region: str | None = None,
    as_of: date | None = None,
    claimed_by: str | None = None,
) -> CrosscheckRun:
    """Queue a run of `region` (default: the caller's jurisdiction) as of `as_of` (today).

    403 for a region outside the caller's jurisdiction, 422 for a day that is not allowed,
    409 while another run of the region is queued or running. With `claimed_by`, the run
    starts out held by that worker (the command line runs it in the foreground).
    """
    principal = access.principal
    region = region or principal.region
    if not covers(principal.region, region):
        raise Forbidden(
            f"Region {region} is outside the caller's jurisdiction {principal.region}.",
            errors=[FieldError("region", f"{region} is outside your jurisdiction")],
        )
    day = check_as_of(session, region, as_of)
    run = CrosscheckRun(
        region=region,
        as_of=day,
        requested_by=principal.subject[:64],
        requested_department=principal.department.value,
    )
    if claimed_by is not None:
        now = utcnow()
        run.status, run.claimed_by, run.attempts = RunStatus.RUNNING.value, claimed_by, 1
        run.started_at = run.heartbeat_at = now
        run.phase = "starting"
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        running = active_run(session, region)
        if running is None:  # it finished between our insert and this look-up
            raise Conflict(f"A cross-check of region {region} was just in progress.") from None
        raise Conflict(
            f"A cross-check of region {region} is already {running.status} (run {running.id}).",
            errors=[FieldError("region", "a cross-check of this region is in progress")],
            existing_id=running.id,
        ) from None
    record_access(session, access, action="crosscheck", resource=RESOURCE, record_ids=[run.id])
    return run


def get_run(session: Session, run_id: str, *, access: Access) -> CrosscheckRun:
    """One run of a region inside the caller's jurisdiction."""
    run = session.get(CrosscheckRun, run_id)
    if run is None or not access.principal.can_see(run.region):
        raise NotFound("No cross-check run with this id.")
    return run


def list_runs(
    session: Session, *, access: Access, limit: int, cursor: str | None
) -> Page[CrosscheckRun]:
    """Runs of regions inside the caller's jurisdiction, newest first."""
    query = select(CrosscheckRun).where(
        jurisdiction_filter(col(CrosscheckRun.region), access.principal.region)
    )
    key = (col(CrosscheckRun.created_at), col(CrosscheckRun.id))
    return keyset_page(session, query, key=key, cursor=cursor, limit=limit, descending=True)
