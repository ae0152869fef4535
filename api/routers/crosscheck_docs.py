"""How the OpenAPI document describes cross-check runs and the discrepancy worklist: a
bilingual summary and description for each operation, request examples, file answers."""

from typing import Any

from fastapi.openapi.models import Example

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# `?format=xlsx|csv` answers a file instead of JSON.
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string"}},
        }
    }
}
RUN_EXAMPLE = {"as_of": "2026-03-01", "region": "420202"}
RESOLVE_EXAMPLE = {"resolution": "fixed", "note": "已通知派出所更正户籍登记的出生日期。"}
BULK_EXAMPLE = {
    "ids": ["0b6c3d0e-5f2a-4c1e-9a51-7d2f3e4b5a60", "9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a"],
    "resolution": "confirmed_correct",
    "note": "经电话核实，两条记录信息无误。",
}
ASSIGN_EXAMPLE = {"assignee": "clerk-huangshigang"}
COMMENT_EXAMPLE = {"body": "已联系户籍民警，约定本周内更正。"}

_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "run-create": (
        "发起比对",
        "Queue a cross-check of a region",
        "交由比对进程（vitalx worker）执行，接口只排队并立即答复 202；同一地区同时只能有一次比对"
        "（409）。as_of 为 YYYY-MM-DD，不得晚于今天，也不得早于该地区上次成功比对的基准日（422）。",
        "The run is queued for the worker process (`vitalx worker`) and answered at once with "
        "202. One run per region at a time (409). `as_of` is a day written YYYY-MM-DD, not "
        "in the future and not earlier than the day of the region's last successful run (422).",
    ),
    "run-list": (
        "本辖区比对记录",
        "Cross-check runs in your jurisdiction",
        "最新的在前，含进度与结果统计。",
        "Newest first, with their progress and counts.",
    ),
    "run-read": (
        "比对进度与结果",
        "One cross-check run, with its progress",
        "status 为 queued、running、succeeded 或 failed；progress 给出当前阶段和完成百分比。",
        "`status` is queued, running, succeeded or failed; `progress` names the phase and "
        "the percentage done.",
    ),
    "list": (
        "比对工作清单",
        "The worklist in your jurisdiction",
        "按办理期限排序；每条含 summary（婴儿、母亲、证明编号、户号、地区名称，"
        "证件号按读者权限遮蔽）和一句中文 explanation。"
        "可按类型、状态、区县或乡镇、承办人、是否逾期、销号月份筛选；"
        "format=xlsx 或 csv 导出中文表格。",
        "Soonest due first; each item carries its `summary` (child, mother, certificate, "
        "household, region names; ID numbers masked for staff) and a Chinese `explanation`. "
        "Filter by type, status, district or township, assignee, overdue, month closed; "
        "`format=xlsx|csv` exports a Chinese table, one row per discrepancy.",
    ),
    "report": (
        "比对问题销号月报",
        "Monthly closure report",
        "按区县统计当月上月结转、新增、重新打开、销号（人工/比对自动）、月末未销号、逾期和销号用时中位数；"
        "format=csv 或 xlsx 导出（xlsx 另含本月销号明细）。",
        "Per county and month: carried over, opened, reopened, closed (by staff and by the "
        "run), outstanding, overdue, median days to close. `format=csv|xlsx` exports it; the "
        "workbook adds the month's closures, one row per discrepancy.",
    ),
    "bulk-resolve": (
        "批量处理",
        "Resolve several discrepancies at once",
        "以同一处理结果和说明处理所选问题；逐条答复 resolved、already_resolved 或 not_found"
        "（辖区外的同 not_found）。",
        "One resolution and note for the selected items; each id is answered `resolved`, "
        "`already_resolved` or `not_found` (also for one outside your jurisdiction).",
    ),
    "read": (
        "比对问题详情",
        "One discrepancy",
        "含涉及记录的摘要、原因说明和记录接口地址（subjects[].href）。",
        "With its subjects' summary, the explanation and each record's API address "
        "(`subjects[].href`).",
    ),
    "resolve": (
        "处理比对问题",
        "Resolve a discrepancy",
        "已处理的再次处理答复 409。",
        "An item already resolved answers 409.",
    ),
    "assign": (
        "指派承办人",
        "Assign a discrepancy",
        "承办人须为可处理比对问题、辖区包含该问题且在指派人辖区内的在职工作人员（否则 422）；"
        "null 取消指派。",
        "The assignee must be an active staff user who may resolve discrepancies, whose "
        "jurisdiction holds the item and lies within yours (otherwise 422); null unassigns.",
    ),
    "assignees": (
        "可指派人员",
        "Who a discrepancy may be assigned to",
        "按用户名排列。",
        "Staff users, by username.",
    ),
    "comments": (
        "办理意见",
        "Comments on a discrepancy",
        "最早的在前。",
        "Oldest first.",
    ),
    "comment": (
        "添加办理意见",
        "Comment on a discrepancy",
        "意见不可修改或删除。",
        "Comments are never changed or deleted.",
    ),
    "history": (
        "处理记录",
        "Every version of a discrepancy",
        "发现、更新、指派、处理、重新打开和自动销号后的版本，最早的在前。",
        "The item after each open, update, assignment, resolution, reopening and closing "
        "by a run, oldest first.",
    ),
}


def texts(operation: str) -> dict[str, Any]:
    """`summary` and `description` of an operation, 中文 · English."""
    zh, en, about_zh, about_en = _TEXTS[operation]
    return {"summary": f"{zh} · {en}", "description": f"{about_zh}\n\n{about_en}"}


def examples(name: str, value: dict[str, Any]) -> dict[str, Example]:
    """`openapi_examples` with one example."""
    return {name: Example(summary=name, value=value)}
