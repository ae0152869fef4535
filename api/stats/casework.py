"""Casework statistics: how the cross-check worklist closes, how applications arrive."""

from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from api.access.jurisdiction import digits_filter
from api.access.principal import Access
from api.crosscheck.linkage.findings import DiscrepancyType
from api.models import BirthServiceApplication, Discrepancy
from api.models.discrepancy import DiscrepancyStatus
from api.stats.sql import county, within
from api.stats.statistic import TOTAL_LABEL, Statistic, StatsQuery, named, ratio, scope, total

ONLINE_CHANNEL = "online"


def discrepancy_closure(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Per discrepancy type: how many the period's runs opened, how many are resolved, and
    how many unresolved ones are past their due date as of `as_of`."""
    query, prefix, label = scope(session, access, "discrepancy-closure", query)
    columns = ("type", "opened", "resolved", "closure_rate", "overdue")
    found: dict[str, tuple[int, int, int]] = {}
    if prefix is not None:
        resolved = col(Discrepancy.status) == DiscrepancyStatus.RESOLVED.value
        overdue = ~resolved & (col(Discrepancy.due_by) < query.as_of)
        conditions = within(col(Discrepancy.detected_at), query.date_from, query.date_to)
        conditions.append(digits_filter(col(Discrepancy.region), prefix))
        rows = session.exec(
            select(
                col(Discrepancy.type),
                func.count(),
                func.sum(case((resolved, 1), else_=0)),
                func.sum(case((overdue, 1), else_=0)),
            )
            .where(*conditions)
            .group_by(col(Discrepancy.type))
        ).all()
        found = {t: (n, int(r or 0), int(o or 0)) for t, n, r, o in rows}
    known = [t.value for t in DiscrepancyType]
    kinds = known + sorted(set(found) - set(known))
    items = [_closure_row(t, *found.get(t, (0, 0, 0))) for t in kinds]
    sums = [sum(i[k] for i in items) for k in ("opened", "resolved", "overdue")]
    overall = _closure_row(TOTAL_LABEL, *sums)
    return Statistic("discrepancy-closure", columns, label, query, items, overall)


def _closure_row(kind: str, opened: int, resolved: int, overdue: int) -> dict[str, Any]:
    return {
        "type": kind,
        "opened": opened,
        "resolved": resolved,
        "closure_rate": ratio(resolved, opened),
        "overdue": overdue,
    }


def online_share(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Share of birth-service applications submitted online, by household county."""
    query, prefix, label = scope(session, access, "online-share", query)
    columns = ("region", "region_name", "applications", "online", "online_share")
    items: list[dict[str, Any]] = []
    if prefix is not None:
        application = BirthServiceApplication
        is_online = col(application.channel) == ONLINE_CHANNEL
        conditions = [
            col(application.voided_at).is_(None),
            *within(col(application.created_at), query.date_from, query.date_to),
        ]
        conditions.append(digits_filter(col(application.household_region), prefix))
        region = county(application.household_region)
        rows = session.exec(
            select(region, func.count(), func.sum(case((is_online, 1), else_=0)))
            .where(*conditions)
            .group_by(region)
            .order_by(region)
        ).all()
        items = [_share_row(named(r), n, int(k or 0)) for r, n, k in rows]
    overall = _share_row(
        total(), sum(i["applications"] for i in items), sum(i["online"] for i in items)
    )
    return Statistic("online-share", columns, label, query, items, overall)


def _share_row(base: dict[str, Any], applications: int, online: int) -> dict[str, Any]:
    return {
        **base,
        "applications": applications,
        "online": online,
        "online_share": ratio(online, applications),
    }
