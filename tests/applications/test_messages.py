"""Application field errors in Chinese, one per field, free of the input's values."""

import pytest
from pydantic import ValidationError

from api.applications.messages import FETAL_SEX_PROHIBITED, chinese_errors, invalid_input
from api.models.birth_service_application import ApplicationIn
from tests.factories import application_body


def _applicant(**override: str) -> dict[str, object]:
    person = {"id_number": "420202199503040021", "name": "王芳", "phone": "13800138000"}
    return {"applicant": {**person, **override}}


def _errors(**override: object) -> dict[str, str]:
    try:
        ApplicationIn.model_validate(application_body(**override))
    except ValidationError as exc:
        return {e["field"]: e["message"] for e in chinese_errors(exc.errors())}
    return {}


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        (_applicant(id_number="42020219950304002"), "applicant.id_number", "公民身份号码应为18位"),
        (_applicant(name=""), "applicant.name", "姓名不能为空"),
        (_applicant(name="王·"), "applicant.name", "姓名中的间隔号“·”位置不正确"),
        (
            {"residence_region": "12345"},
            "residence_region",
            "行政区划代码应为6位（或9位、12位统计用区划代码）",
        ),
        ({"child_order": "2"}, "child_order", "应为整数"),
        ({"child_order": 21}, "child_order", "不能大于20"),
        ({"commitment": "yes"}, "commitment", "应为是或否（true/false）"),
        (
            {"marriage_certificate_no": "J 1"},
            "marriage_certificate_no",
            "结婚证字号只能包含字母、数字和“-”，最长32位",
        ),
        ({"expected_due_date": "2999-01-01"}, "expected_due_date", "预产期不能晚于今天起300天"),
        ({"胎儿性别": "男"}, "胎儿性别", FETAL_SEX_PROHIBITED),
    ],
)
def test_messages(override: dict[str, object], field: str, message: str) -> None:
    assert _errors(**override).get(field) == message


def test_the_same_person_twice_is_refused() -> None:
    body = application_body()
    body["spouse"] = {"id_number": body["applicant"]["id_number"], "name": "张伟"}
    with pytest.raises(ValidationError) as raised:
        ApplicationIn.model_validate(body)
    assert chinese_errors(raised.value.errors()) == [
        {"field": "spouse", "message": "配偶的公民身份号码不能与申请人相同"}
    ]


def test_the_problem_names_the_fields_in_chinese() -> None:
    with pytest.raises(ValidationError) as raised:
        ApplicationIn.model_validate(application_body(child_order=0, channel="fax"))
    problem = invalid_input(raised.value.errors())
    assert problem.status == 422
    assert problem.detail.startswith("申请内容有误")
    assert "child_order" in problem.detail and "channel" in problem.detail
