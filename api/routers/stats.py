"""Statistics (统计): aggregate figures of the caller's jurisdiction, as JSON or CSV."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from api.access.principal import Access
from api.deps import SessionDep, StatsRead
from api.stats import queries as stats
from api.stats.queries import Statistic, StatsQuery
from api.validation import RegionPrefix

router = APIRouter(prefix="/stats", tags=["stats"])

Region = Annotated[RegionPrefix | None, Query(description="Region prefix within your jurisdiction")]
From = Annotated[date | None, Query(alias="from", description="First day (Asia/Shanghai)")]
To = Annotated[date | None, Query(alias="to", description="Last day (Asia/Shanghai), included")]
AsOf = Annotated[date | None, Query(description="Reference day (default today)")]
Format = Annotated[Literal["json", "csv"], Query()]
Compute = Callable[..., Statistic]


def _answer(
    compute: Compute, session: Session, access: Access, query: StatsQuery, format: str
) -> Response:
    statistic = compute(session, access=access, query=query)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{statistic.name}.csv"'}
        return Response(stats.to_csv(statistic), media_type="text/csv", headers=headers)
    return JSONResponse(statistic.as_json())


@router.get("/births-by-month", summary="Live births by month and county")
def births_by_month(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to)
    return _answer(stats.births_by_month, session, access, query, format)


@router.get("/sex-ratio", summary="Sex ratio at birth (males per 100 females) by county")
def sex_ratio(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to)
    return _answer(stats.sex_ratio, session, access, query, format)


@router.get(
    "/registration-completeness",
    summary="Share of births over 30 days old registered in a household within 30 days",
)
def registration_completeness(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to, as_of)
    return _answer(stats.registration_completeness, session, access, query, format)


@router.get("/discrepancy-closure", summary="Discrepancies opened, resolved and overdue, by type")
def discrepancy_closure(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    as_of: AsOf = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to, as_of)
    return _answer(stats.discrepancy_closure, session, access, query, format)


@router.get("/online-share", summary="Share of birth-service applications submitted online")
def online_share(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to)
    return _answer(stats.online_share, session, access, query, format)
