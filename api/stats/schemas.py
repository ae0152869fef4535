"""What each statistic answers as JSON (`Statistic.as_json`), for the OpenAPI document.

Rows are by county (6-digit region code) and, for births by month, by month; the total row
has no region and is named 合计. Ratios are null where there is nothing to divide by.
"""

from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Row = TypeVar("Row", bound=BaseModel)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionRow(_Row):
    """A row by county, or the total row (no region, named 合计)."""

    region: str | None = Field(description="County code; null on the total row.")
    region_name: str | None = Field(description="Its name (区县名称), or 合计.")


class BirthsByMonthRow(RegionRow):
    month: str | None = Field(description="YYYY-MM in Asia/Shanghai; null on the total row.")
    births: int


class SexRatioRow(RegionRow):
    births: int
    males: int
    females: int
    unknown: int
    sex_ratio: float | None = Field(description="Males per 100 females (出生人口性别比).")


class CompletenessRow(RegionRow):
    births: int = Field(description="Births over 30 days old (as of `as_of`).")
    registered_in_time: int = Field(description="Of them, registered within 30 days.")
    completeness: float | None = Field(description="registered_in_time / births.")


class ClosureRow(_Row):
    type: str = Field(description="Discrepancy type, or 合计 on the total row.")
    opened: int
    resolved: int
    closure_rate: float | None = Field(description="resolved / opened.")
    overdue: int = Field(description="Unresolved and past due as of `as_of`.")


class OnlineShareRow(RegionRow):
    applications: int
    online: int
    online_share: float | None = Field(description="online / applications.")


class StatisticOut(BaseModel, Generic[Row]):
    """A statistic over a region and period (统计结果): its rows and their total."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    statistic: str
    region: str = Field(description="The region prefix covered (within your jurisdiction).")
    date_from: date | None = Field(alias="from", description="First day, if given.")
    date_to: date | None = Field(alias="to", description="Last day (included), if given.")
    as_of: date | None = Field(description="Reference day.")
    items: list[Row]
    total: Row | None


class BirthsByMonth(StatisticOut[BirthsByMonthRow]):
    pass


class SexRatio(StatisticOut[SexRatioRow]):
    pass


class RegistrationCompleteness(StatisticOut[CompletenessRow]):
    pass


class DiscrepancyClosure(StatisticOut[ClosureRow]):
    pass


class OnlineShare(StatisticOut[OnlineShareRow]):
    pass
