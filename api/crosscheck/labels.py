"""Chinese names of the worklist's codes, for explanations, exports and reports."""

from datetime import date, datetime

from api.models.base import SHANGHAI

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
FIELD_NAMES = {
    "certificate_no": "出生医学证明编号",
    "child_sex": "性别",
    "birth_date": "出生日期",
    "mother_id_number": "母亲身份证号码",
    "child_name": "姓名",
    "id_number": "身份证号码",
    "marital_status": "婚姻状况",
}
SEX_NAMES = {"male": "男", "female": "女", "unknown": "未知"}
MARITAL_NAMES = {
    "10": "未婚",
    "20": "已婚",
    "21": "初婚",
    "22": "再婚",
    "23": "复婚",
    "30": "丧偶",
    "40": "离婚",
    "90": "未说明",
}
MARRIAGE_EVENTS = {
    "marriage": "办理结婚登记",
    "divorce": "办理离婚登记",
    "restored": "办理复婚登记",
}


def named(table: dict[str, str], code: str | None) -> str:
    """The Chinese name of a code, the code itself if unknown, "" for none."""
    if code is None:
        return ""
    return table.get(code, code)


def shown_day(value: date | None) -> str:
    """A day as 2026-03-01 ("" for none)."""
    return value.isoformat() if value else ""


def shown_instant(value: datetime | None) -> str:
    """An instant in Beijing time to the minute: 2026-03-01 08:30 ("" for none)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def who(subject: str | None) -> str:
    """Who resolved a discrepancy, in words: a person's username, or the run."""
    if not subject:
        return ""
    return "比对程序自动销号" if subject.startswith("crosscheck:") else subject
