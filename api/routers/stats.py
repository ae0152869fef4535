"""Statistics (统计): aggregate figures of the caller's jurisdiction, as JSON or CSV."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from api.access.principal import Access
from api.deps import SessionDep, StatsRead
from api.stats import births, casework, schemas
from api.stats.statistic import Statistic, StatsQuery, to_csv
from api.validation import Day, RegionPrefix

router = APIRouter(prefix="/stats", tags=["stats"])

Region = Annotated[RegionPrefix | None, Query(description="Region prefix within your jurisdiction")]
From = Annotated[Day | None, Query(alias="from", description="First day (Asia/Shanghai)")]
To = Annotated[Day | None, Query(alias="to", description="Last day (Asia/Shanghai), included")]
AsOf = Annotated[Day | None, Query(description="Reference day (default today)")]
Format = Annotated[Literal["json", "csv"], Query()]
Compute = Callable[..., Statistic]
CSV_ANSWER = {
    "text/csv": {
        "schema": {"type": "string", "description": "`?format=csv`: the rows and a total row"}
    }
}
COMMON = (
    "\n\n按辖区裁剪；`?format=csv` 返回 CSV（带 BOM，可直接用表格软件打开）。"
    "\n\nCut to your jurisdiction; `?format=csv` answers CSV (with a BOM for spreadsheets)."
)


def _documented(model: type[BaseModel], summary: str, zh: str, en: str) -> dict[str, Any]:
    """The route's typed answer (JSON or CSV) and its texts."""
    return {
        "response_model": model,
        "summary": summary,
        "description": f"{zh}\n\n{en}{COMMON}",
        "responses": {200: {"content": CSV_ANSWER}},
    }


def _answer(
    compute: Compute, session: Session, access: Access, query: StatsQuery, format: str
) -> Response:
    statistic = compute(session, access=access, query=query)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{statistic.name}.csv"'}
        return Response(to_csv(statistic), media_type="text/csv", headers=headers)
    return JSONResponse(statistic.as_json())


@router.get(
    "/births-by-month",
    **_documented(
        schemas.BirthsByMonth,
        "按月、按区县的活产数 · Live births by month and county",
        "按上海时间的月份和区县统计活产数（不含作废和被换发的出生医学证明）。",
        "Live births by Asia/Shanghai month and county (void and superseded records left out).",
    ),
)
def births_by_month(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to)
    return _answer(births.births_by_month, session, access, query, format)


@router.get(
    "/sex-ratio",
    **_documented(
        schemas.SexRatio,
        "出生人口性别比 · Sex ratio at birth by county",
        "各区县活产中每 100 名女婴对应的男婴数；无女婴时为 null。",
        "Males per 100 females among live births, by county; null without girls.",
    ),
)
def sex_ratio(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to)
    return _answer(births.sex_ratio, session, access, query, format)


@router.get(
    "/registration-completeness",
    **_documented(
        schemas.RegistrationCompleteness,
        "出生登记及时率 · Births registered in a household within 30 days",
        "截至 `as_of` 已满 30 天的出生中，30 天内办理户口登记的比例。",
        "Share of births over 30 days old (as of `as_of`) registered within 30 days.",
    ),
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
    return _answer(births.registration_completeness, session, access, query, format)


@router.get(
    "/discrepancy-closure",
    **_documented(
        schemas.DiscrepancyClosure,
        "比对问题办结情况 · Discrepancies opened, resolved and overdue, by type",
        "按问题类型统计期间内发现、已办结和截至 `as_of` 逾期未办结的比对问题。",
        "Per type: discrepancies the period's runs opened, how many are resolved, and how "
        "many unresolved ones are past due as of `as_of`.",
    ),
)
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
    return _answer(casework.discrepancy_closure, session, access, query, format)


@router.get(
    "/online-share",
    **_documented(
        schemas.OnlineShare,
        "生育服务登记网上办理率 · Share of applications submitted online",
        "按户籍所在区县统计生育服务登记中网上提交的比例。",
        "Share of birth-service applications submitted online, by household county.",
    ),
)
def online_share(
    session: SessionDep,
    access: StatsRead,
    region: Region = None,
    date_from: From = None,
    date_to: To = None,
    format: Format = "json",
) -> Any:
    query = StatsQuery(region, date_from, date_to)
    return _answer(casework.online_share, session, access, query, format)
