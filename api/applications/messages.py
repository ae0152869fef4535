"""Field errors of the application endpoints in Chinese, for the clerks who read them.

The shared validators speak English to department systems; the portal shows an
application's errors field by field exactly as the API gives them, so these endpoints
translate each error by its pydantic type, or by the validator's message.
"""

import re
from collections.abc import Sequence
from typing import Any

from api.errors import FieldError, InvalidInput, field_path
from api.models.ultrasound_exam import fetal_sex_keys

FETAL_SEX_PROHIBITED = "禁止非医学需要的胎儿性别鉴定：生育服务登记不记录胎儿性别"

# The shared validators' messages (api/validation, api/models), by their first words.
_VALUE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"ID number must be 18 characters", "公民身份号码应为18位"),
    (r"ID number must be 17 digits", "公民身份号码应为17位数字加1位数字或字母X"),
    (r"ID number check character", "公民身份号码校验位不正确，请逐位核对"),
    (r"ID number does not start", "公民身份号码前两位不是有效的省级行政区划代码"),
    (r"ID number contains an invalid birth date", "公民身份号码中的出生日期无效"),
    (r"ID number birth date", "公民身份号码中的出生日期不合理"),
    (r"ID number must not have", "公民身份号码前后不能有空格"),
    (r"ID number must be a string", "公民身份号码应为文本"),
    (r"name must not be empty", "姓名不能为空"),
    (r"name must be at most", "姓名不能超过64个字"),
    (r"name contains a control", "姓名含有控制字符或不可见字符"),
    (r"name must not have leading", "姓名前后不能有空格"),
    (r"name must not (start|contain two middle)", "姓名中的间隔号“·”位置不正确"),
    (r"name must not contain two spaces", "姓名中不能有连续空格"),
    (r"name contains a character", "姓名只能包含汉字、拉丁字母、单个空格和间隔号“·”"),
    (r"name must be a string", "姓名应为文本"),
    (r"region code must be", "行政区划代码应为6位（或9位、12位统计用区划代码）"),
    (r"unknown region code", "行政区划代码不在国家标准（GB/T 2260）代码表中"),
    (r"statistical region code", "统计用区划代码缺少乡级部分"),
    (r"phone must be", "联系电话应为11位手机号码或带区号的固定电话"),
    (r"certificate_no must be", "结婚证字号只能包含字母、数字和“-”，最长32位"),
    (r"spouse.id_number must differ", "配偶的公民身份号码不能与申请人相同"),
    (r"expected_due_date must be within", "预产期不能晚于今天起300天"),
    (r"expected_due_date is too far", "预产期过早，请核对"),
)

_TYPE_MESSAGES = {
    "missing": "此项为必填项",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为是或否（true/false）",
    "bool_parsing": "应为是或否（true/false）",
    "date_type": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为YYYY-MM-DD",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "json_invalid": "请求正文不是有效的JSON",
    "extra_forbidden": "不接受此字段",
}


def _message(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden" and fetal_sex_keys({str(err.get("loc", ("",))[-1]): None}):
        return FETAL_SEX_PROHIBITED
    if kind == "greater_than_equal":
        return f"不能小于{ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于{ctx.get('le')}"
    if kind in ("string_too_short", "too_short"):
        return "不能为空" if ctx.get("min_length") == 1 else f"至少需要{ctx.get('min_length')}项"
    if kind in ("string_too_long", "too_long"):
        return f"不能超过{ctx.get('max_length')}个"
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    text = str(err.get("msg", "")).removeprefix("Value error, ")
    for pattern, message in _VALUE_MESSAGES:
        if re.match(pattern, text):
            return message
    return "内容无效"


def chinese_errors(raw: Sequence[Any]) -> list[FieldError]:
    """Field errors with Chinese messages, free of the input's values."""
    return [FieldError(field_path(err.get("loc", ())), _message(err)) for err in raw]


def invalid_input(raw: Sequence[Any]) -> InvalidInput:
    """The 422 problem of an application body that failed validation."""
    errors = chinese_errors(raw)
    fields = "、".join(dict.fromkeys(e["field"] for e in errors[:5]))
    detail = "申请内容有误，请按字段提示修改：" + fields + "。"
    if any(e["message"] == FETAL_SEX_PROHIBITED for e in errors):
        detail = FETAL_SEX_PROHIBITED + "。"
    return InvalidInput(detail, errors=errors)
