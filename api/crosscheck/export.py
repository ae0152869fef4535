"""The worklist and the closure report as files (xlsx, csv), in Chinese.

One row per discrepancy with its subjects' summary and explanation, headers, type,
status and region names in Chinese, days as 2026-03-01 and instants in Beijing time;
never raw JSON. Workbooks are written row by row in openpyxl's write-only mode into an
anonymous temporary file, so memory stays flat however long the list.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session

from api.access.principal import Access
from api.crosscheck import subjects as loading
from api.crosscheck.labels import (
    RESOLUTION_NAMES,
    SEX_NAMES,
    STATUS_NAMES,
    TYPE_NAMES,
    named,
    shown_day,
    shown_instant,
    who,
)
from api.crosscheck.report import ClosureReport, ReportRow
from api.crosscheck.summary import DiscrepancyView, views_with
from api.crosscheck.tracking import audit
from api.crosscheck.worklist import DiscrepancyFilters, filtered_query, page_of
from api.models.base import SHANGHAI
from api.validation import region_full_name

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BATCH = 1000

LIST_HEADERS = (
    "问题类型",
    "地区",
    "问题说明",
    "婴儿姓名",
    "婴儿性别",
    "出生日期",
    "出生医学证明编号",
    "母亲姓名",
    "母亲身份证号码",
    "户号",
    "户籍地",
    "出生地",
    "涉及人员",
    "状态",
    "承办人",
    "发现日期",
    "办理期限",
    "是否逾期",
    "处理结果",
    "处理说明",
    "处理人",
    "处理时间",
    "重新打开次数",
    "系统编号",
)
REPORT_HEADERS = (
    "地区代码",
    "地区",
    "上月结转",
    "本月新增",
    "本月重新打开",
    "本月销号",
    "其中：人工销号",
    "其中：比对自动销号",
    "月末未销号",
    "其中：逾期",
    "销号用时中位数（天）",
)


@dataclass
class Export:
    """A finished file, positioned at its start, and what went into it."""

    file: IO[bytes]
    rows: int
    truncated: bool
    media_type: str


def _clean(value: Any) -> Any:
    # Spreadsheet XML cannot hold control characters; they are dropped, not refused.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


class Table:
    """Sheets of rows written into an xlsx workbook, or the first of them into a CSV file."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.workbook = Workbook(write_only=True) if kind == "xlsx" else None
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.sheets = 0

    def sheet(self, title: str, headers: Sequence[str]) -> Callable[[Sequence[Any]], None]:
        """Start a sheet; returns the function that appends one row to it."""
        self.sheets += 1
        if self.workbook is not None:
            sheet = self.workbook.create_sheet(title)
            sheet.append(list(headers))
            return lambda row: sheet.append([_clean(v) for v in row])
        if self.sheets > 1:  # a CSV file holds one table
            return lambda row: None
        self.writer.writerow(headers)
        return lambda row: self.writer.writerow(["" if v is None else v for v in row])

    def finish(self, rows: int, truncated: bool) -> Export:
        """Close the file for writing and hand it over, at its start."""
        if self.workbook is not None:
            self.workbook.save(self.file)
            media = XLSX_MEDIA_TYPE
        else:
            media = CSV_MEDIA_TYPE
        self.text.flush()
        self.text.detach()
        self.file.seek(0)
        return Export(self.file, rows, truncated, media)


def _persons(view: DiscrepancyView) -> str:
    return "；".join(
        f"{p.name}（{named(SEX_NAMES, p.sex)}，{p.birth_date}出生，"
        f"户籍地{p.household_region_name or p.household_region or ''}）"
        for p in view.summary.persons
    )


def list_cells(view: DiscrepancyView, region_names: Callable[[str], str | None]) -> list[Any]:
    """One discrepancy as a row under LIST_HEADERS."""
    s = view.summary
    child, mother = s.child, s.mother
    return [
        named(TYPE_NAMES, view.type),
        region_names(view.region) or view.region,
        view.explanation,
        child.name if child else "",
        named(SEX_NAMES, child.sex) if child else "",
        shown_day(child.birth_date) if child else "",
        "、".join(s.certificate_nos),
        mother.name if mother else "",
        mother.id_number if mother else "",
        s.household_no or "",
        s.household_region_name or "",
        s.birth_region_name or "",
        _persons(view),
        named(STATUS_NAMES, view.status.value),
        view.assignee or "",
        shown_day(view.detected_at.astimezone(SHANGHAI).date()),
        shown_day(view.due_by),
        "是" if view.overdue else "否",
        named(RESOLUTION_NAMES, view.resolution.value if view.resolution else None),
        view.note or "",
        who(view.resolved_by),
        shown_instant(view.resolved_at),
        view.reopen_count,
        view.id,
    ]


def write_list(
    session: Session,
    append: Callable[[Sequence[Any]], None],
    *,
    access: Access,
    filters: DiscrepancyFilters,
    max_rows: int,
) -> tuple[int, bool]:
    """Append the filtered worklist (at most `max_rows` rows); return (rows, truncated)."""
    query = filtered_query(access, filters)
    written, cursor = 0, None
    while written < max_rows:
        page = page_of(session, query, cursor=cursor, limit=min(BATCH, max_rows - written))
        batch = page.items
        if batch:
            for view in views_with(batch, loading.load(session, batch, access), access):
                append(list_cells(view, region_full_name))
            audit(session, access, "export", batch)
        written += len(batch)
        cursor = page.next_cursor
        if cursor is None:
            return written, False
    return written, True


def export_list(
    session: Session, *, access: Access, filters: DiscrepancyFilters, max_rows: int, kind: str
) -> Export:
    """The filtered worklist as an xlsx workbook (with a notes sheet) or a CSV file."""
    table = Table(kind)
    append = table.sheet("比对问题", LIST_HEADERS)
    rows, truncated = write_list(session, append, access=access, filters=filters, max_rows=max_rows)
    notes = table.sheet("说明", ("项目", "内容"))
    notes(["导出行数", rows])
    notes(["行数上限", max_rows])
    notes(["是否截断", f"是：仅导出前 {max_rows} 行，请缩小筛选范围" if truncated else "否"])
    return table.finish(rows, truncated)


def report_cells(row: ReportRow) -> list[Any]:
    """One region's figures as a row under REPORT_HEADERS."""
    return [
        row.region,
        region_full_name(row.region) or row.region_name or "",
        row.carried_over,
        row.opened,
        row.reopened,
        row.closed,
        row.closed_by_staff,
        row.closed_by_run,
        row.outstanding,
        row.overdue,
        "" if row.median_days_to_close is None else row.median_days_to_close,
    ]


def export_report(
    session: Session,
    report: ClosureReport,
    *,
    access: Access,
    month: date,
    max_rows: int,
    kind: str,
) -> Export:
    """The closure report: figures by region and a total; in xlsx also the month's closures."""
    table = Table(kind)
    append = table.sheet(f"销号情况{report.month}", REPORT_HEADERS)
    for row in report.rows:
        append(report_cells(row))
    total = report_cells(report.total)
    total[1] = f"合计（{report.region_name or report.region}）"
    append(total)
    details = table.sheet("本月销号明细", LIST_HEADERS)
    rows, truncated = 0, False
    if kind == "xlsx":
        closed = DiscrepancyFilters(region=report.region, resolved_month=month)
        rows, truncated = write_list(
            session, details, access=access, filters=closed, max_rows=max_rows
        )
    return table.finish(len(report.rows) + 1 + rows, truncated)
