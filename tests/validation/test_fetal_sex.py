"""Fetal sex written out in free text is recognised; ordinary findings are not."""

import pytest

from api.validation.fetal_sex import mentions_fetal_sex

STATED = [
    "胎儿性别：男",
    "胎儿性别: 女",
    "男胎",
    "女胎",
    "胎儿为男性",
    "胎儿为女性",
    "胎儿是女孩",
    "胎儿：男",
    "胎兒性別：女",
    "性别鉴定",
    "要求鉴定胎儿性别",
    "查胎儿性别",
    "男性胎儿",
    "胎儿外生殖器可见",
    "Fetal sex: male",
    "fetal gender: F",
    "The sex of the fetus is female",
    "It's a boy",
    "ＦＥＴＡＬ ＳＥＸ：ＭＡＬＥ",
]
FINDINGS = [
    "宫内单活胎，胎心规律。",
    "双胎妊娠，胎盘位于后壁。",
    "胎位：头位；羊水指数正常。",
    "胎心率145次/分，胎动可见。",
    "子宫附件未见明显异常",
    "孕妇女性，无不适",
    "Single live intrauterine pregnancy, normal fetal heart rate.",
]


@pytest.mark.parametrize("text", STATED)
def test_fetal_sex_in_words_is_recognised(text: str) -> None:
    assert mentions_fetal_sex(text)


@pytest.mark.parametrize("text", FINDINGS)
def test_ordinary_findings_pass(text: str) -> None:
    assert not mentions_fetal_sex(text)
