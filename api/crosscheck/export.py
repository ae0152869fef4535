"""The worklist as an Excel workbook (比对问题清单.xlsx) with Chinese headers.

The workbook is built row by row in openpyxl's write-only mode into an anonymous
temporary file, so memory stays flat however long the list; the caller streams the file.
"""

import json
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session

from api.access.principal import Access
from api.crosscheck.worklist import DiscrepancyFilters, after_key, audit, filtered_query, is_overdue
from api.models import Discrepancy
from api.models.base import SHANGHAI
from api.models.types import utcnow
from api.validation import region_full_name, today_in_china

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 1000

TYPE_NAMES = {
    "BIRTH_NOT_REGISTERED": "出生未登记户口",
    "REGISTRATION_WITHOUT_BIRTH_RECORD": "户籍出生登记无出生医学证明",
    "ATTRIBUTE_MISMATCH": "出生医学证明与户籍登记信息不一致",
    "DUPLICATE_BIRTH_RECORD": "出生医学证明重复",
    "DUPLICATE_PERSON": "人员信息重复",
    "MARITAL_STATUS_MISMATCH": "婚姻状况与婚姻登记不符",
}
STATUS_NAMES = {"open": "待处理", "reopened": "重新打开", "resolved": "已处理"}
RESOLUTION_NAMES = {
    "fixed": "已更正",
    "confirmed_correct": "经核实无误",
    "merged": "已合并",
    "not_applicable": "不适用",
}
RESOURCE_NAMES = {
    "births": "出生医学证明",
    "household-entries": "户籍登记",
    "persons": "人员",
    "marriages": "婚姻登记",
}
HEADERS = (
    "编号",
    "问题类型",
    "类型代码",
    "地区代码",
    "地区名称",
    "状态",
    "发现时间",
    "办理期限",
    "是否逾期",
    "涉及记录",
    "不一致字段",
    "详情",
    "处理结果",
    "处理说明",
    "处理人",
    "处理时间",
    "重新打开次数",
    "版本",
)


@dataclass
class Export:
    """A finished workbook, positioned at its start, and what went into it."""

    file: IO[bytes]
    rows: int
    truncated: bool


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else None


def _clean(value: Any) -> Any:
    # Spreadsheet XML cannot hold control characters; they are dropped, not refused.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _cells(row: Discrepancy, today: date) -> list[Any]:
    subjects = "；".join(
        f"{RESOURCE_NAMES.get(s['resource'], s['resource'])} {s['id']}" for s in row.subjects
    )
    return [
        row.id,
        TYPE_NAMES.get(row.type, row.type),
        row.type,
        row.region,
        region_full_name(row.region),
        STATUS_NAMES.get(row.status, row.status),
        _instant(row.detected_at),
        row.due_by,
        "是" if is_overdue(row, today) else "否",
        subjects,
        "、".join(row.fields),
        json.dumps(row.details, ensure_ascii=False, sort_keys=True),
        RESOLUTION_NAMES.get(row.resolution or "", row.resolution),
        row.note,
        row.resolved_by,
        _instant(row.resolved_at),
        row.reopen_count,
        row.version,
    ]


def _notes(filters: DiscrepancyFilters, rows: int, truncated: bool, cap: int) -> list[list[Any]]:
    shown = {
        "问题类型": filters.type,
        "状态": filters.status,
        "地区": filters.region,
        "办理期限早于": filters.due_before,
    }
    notes: list[list[Any]] = [
        ["导出时间", _instant(utcnow())],
        ["导出行数", rows],
        ["行数上限", cap],
        ["是否截断", f"是：仅导出前 {cap} 行，请缩小筛选范围" if truncated else "否"],
    ]
    notes += [[f"筛选：{k}", str(v)] for k, v in shown.items() if v is not None]
    return notes


def export_xlsx(
    session: Session, *, access: Access, filters: DiscrepancyFilters, max_rows: int
) -> Export:
    """Write the filtered worklist (at most `max_rows` rows) to a workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("比对问题")
    sheet.append(list(HEADERS))
    query = filtered_query(access, filters)
    written, truncated, today = 0, False, today_in_china()
    while query is not None:
        batch = list(session.exec(query.limit(BATCH)).all())
        if not batch:
            break
        room = max_rows - written
        if len(batch) > room:
            batch, truncated = batch[:room], True
        for row in batch:
            sheet.append([_clean(value) for value in _cells(row, today)])
        if batch:
            audit(session, access, "export", batch)
        written += len(batch)
        if truncated or len(batch) < BATCH:
            break
        query = after_key(query, batch[-1].due_by, batch[-1].id)
    notes = workbook.create_sheet("说明")
    for line in _notes(filters, written, truncated, max_rows):
        notes.append(line)
    # Handed to the caller, who closes it once streamed (closing deletes it).
    file = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(file)
    file.seek(0)
    return Export(file, written, truncated)
