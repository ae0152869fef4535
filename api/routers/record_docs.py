"""How the OpenAPI document names each shared registry, in Chinese and English, with the
request examples integrators copy (tests check that every example is valid)."""

from dataclasses import dataclass
from typing import Any

from fastapi.openapi.models import Example

MOTHER = {"id_number": "420202199203150029", "name": "王芳"}
FATHER = {"id_number": "420202199007080019", "name": "李强"}
CHILD_ID_NUMBER = "420202202603010046"


@dataclass(frozen=True)
class RecordDocs:
    """A registry's names (中文, English) and example bodies for create and correct."""

    zh: str
    en: str
    create_example: dict[str, Any]
    patch_example: dict[str, Any]
    # What the registry is and who writes it, one sentence in each language.
    about_zh: str = ""
    about_en: str = ""


BIRTHS = RecordDocs(
    zh="出生医学证明",
    en="birth record",
    about_zh="出生医学证明与出生人口实名登记，由妇幼保健机构填报；辖区按出生地区判断。",
    about_en="Medical birth records, written by maternal health; the jurisdiction region "
    "is `birth_region`.",
    create_example={
        "certificate_no": "Q420212345",
        "child_name": "李小雨",
        "child_sex": "female",
        "birth_datetime": "2026-03-01T08:30:00+08:00",
        "birth_weight_g": 3250,
        "gestational_weeks": 39,
        "plurality": 1,
        "birth_order": 1,
        "place_type": "hospital",
        "facility_code": "H420202001",
        "birth_region": "420202",
        "mother": MOTHER,
        "father": FATHER,
    },
    # No null here: FastAPI leaves null members out of examples in the document.
    patch_example={"child_name": "李雨桐"},
)

PERSONS = RecordDocs(
    zh="人口信息",
    en="person",
    about_zh="全员人口信息，由公安户籍部门登记和更正，各部门按用途读取；辖区按户籍地（无则现居住地）判断。",
    about_en="Persons, created and corrected by public security and read by every department; "
    "the jurisdiction region is the household region, or the residence region without one.",
    create_example={
        "id_number": "420202199511200040",
        "name": "陈静",
        "sex": "female",
        "birth_date": "1995-11-20",
        "ethnicity": "01",
        "household_region": "420202",
        "household_no": "420202000123",
        "residence_region": "420281",
        "marital_status": "10",
        "status": "active",
    },
    patch_example={"residence_region": "420202", "marital_status": "20"},
)

HOUSEHOLD_ENTRIES = RecordDocs(
    zh="户籍登记",
    en="household entry",
    about_zh="户籍登记（出生、迁入、迁出、死亡、更正），由公安户籍部门填报，每条登记同时新建或更新人口信息；辖区按户籍地判断。",
    about_en="Household register entries (birth, move in, move out, death, correction), "
    "written by public security; each creates or updates its person. The jurisdiction "
    "region is `household_region`.",
    create_example={
        "entry_type": "birth",
        "person": {
            "id_number": CHILD_ID_NUMBER,
            "name": "李小雨",
            "sex": "female",
            "birth_date": "2026-03-01",
            "ethnicity": "01",
        },
        "household_no": "420202000123",
        "household_region": "420202",
        "registered_on": "2026-03-10",
        "birth_certificate_no": "Q420212345",
        "mother_id_number": MOTHER["id_number"],
        "father_id_number": FATHER["id_number"],
    },
    patch_example={"household_no": "420202000124"},
)

MARRIAGES = RecordDocs(
    zh="婚姻登记",
    en="marriage record",
    about_zh="婚姻登记（结婚、离婚、复婚），由民政部门填报，每条记录同时更新双方的婚姻状况；辖区按登记机关地区判断。",
    about_en="Marriage-registry records (marriage, divorce, restored marriage), written by "
    "civil affairs; each updates both parties' marital status. The jurisdiction region is "
    "`registry_region`.",
    create_example={
        "record_type": "marriage",
        "certificate_no": "J420202-2025-000123",
        "registered_on": "2025-05-20",
        "registry_region": "420202",
        "party_a": {"id_number": "420202198805120033", "name": "张伟"},
        "party_b": {"id_number": "420202199511200040", "name": "陈静"},
    },
    patch_example={"registered_on": "2025-05-21"},
)

ULTRASOUND_EXAMS = RecordDocs(
    zh="B超检查实名登记",
    en="ultrasound exam",
    about_zh="B超检查实名登记，由妇幼保健机构填报，仅妇幼保健与审计可读。记录不能含有胎儿性别（禁止非医学需要的胎儿性别鉴定）。",
    about_en="Real-name ultrasound exam registrations, written by maternal health and "
    "readable only by maternal health and auditors. A body that tries to record fetal sex "
    "is refused (422).",
    create_example={
        "exam_no": "US20260210001",
        "facility_code": "H420202001",
        "exam_region": "420202",
        "exam_datetime": "2026-02-10T09:15:00+08:00",
        "examinee": MOTHER,
        "operator": {"name": "刘洋", "license_no": "110420200000123"},
        "indication": "prenatal",
        "gestational_weeks": 36,
        "fetal_count": 1,
        "findings_summary": "单胎，头位，胎心正常。",
    },
    patch_example={"findings_summary": "单胎，头位，胎心、羊水正常。"},
)


# What each route of a registry does, in Chinese then English; `{zh}`/`{en}` name the record.
OPERATIONS: dict[str, tuple[str, str, str, str]] = {
    "create": (
        "登记{zh}",
        "Create a {en}",
        "登记一条{zh}。可带 `Idempotency-Key` 头：同一键、同一请求体重放首次的应答，"
        "请求体不同答 422。自然键已存在答 409（在您辖区内时附已有记录的 `id`）。",
        "Creates a {en}. With an `Idempotency-Key` header, a repeat with the same body "
        "replays the first answer and a different body is 422. A natural key that exists "
        "already is 409, with the existing record's `id` when it is inside your jurisdiction.",
    ),
    "list": (
        "列出辖区内的{zh}",
        "List {en}s in your jurisdiction",
        "按游标分页列出辖区内的{zh}（`limit`，`cursor`），可按地区前缀、日期区间和状态筛选；"
        "默认不含已作废的记录。",
        "Pages through the {en}s of your jurisdiction (`limit`, `cursor`), filtered by "
        "region prefix, dates and status; void records only with `include_voided=true`.",
    ),
    "read": (
        "读取一条{zh}",
        "Read one {en}",
        "读取一条{zh}；应答的 `ETag` 是其版本号，更正时作为 `If-Match` 发回。辖区外的记录答 404。",
        "Reads one {en}; its `ETag` is the version, to send back as `If-Match` when "
        "correcting it. A record outside your jurisdiction is 404.",
    ),
    "correct": (
        "更正{zh}（合并补丁）",
        "Correct a {en} (merge patch)",
        "以 JSON 合并补丁（RFC 7396，`application/merge-patch+json`，也接受 `application/json`）"
        "更正{zh}：只发送要改的字段，`null` 删除可选字段，嵌套对象逐项合并。必须带 `If-Match`："
        "缺少答 428，版本已变答 412；已作废的记录不能更正（409）。更正后的记录须整体仍然有效。",
        "Corrects a {en} with a JSON merge patch (RFC 7396, `application/merge-patch+json`; "
        "`application/json` is accepted too): send only what changes, `null` removes an "
        "optional value, nested objects merge. `If-Match` is required (428 without it, 412 "
        "when stale); a void record cannot change (409). The merged record must be valid "
        "as a whole.",
    ),
    "void": (
        "作废{zh}",
        "Void a {en}",
        "作废一条{zh}并说明原因：记录不删除，仍可读取，历史保留。",
        "Voids a {en} with a reason: it is never deleted and stays readable with its history.",
    ),
    "history": (
        "{zh}的全部版本",
        "Every version of a {en}",
        "{zh}的每一个版本（登记、更正、作废各一版），包括何时、由谁、哪个部门、为何更改。",
        "Every version of a {en} (one per create, correction and void): when, by whom, "
        "which department, and why.",
    ),
}


def summary(docs: RecordDocs, operation: str) -> str:
    """The operation's one-line summary, 中文 · English."""
    zh, en, _, _ = OPERATIONS[operation]
    return f"{zh.format(zh=docs.zh)} · {en.format(en=docs.en)}"


def description(docs: RecordDocs, operation: str) -> str:
    """The operation's description: Chinese, then English, then the registry on create."""
    _, _, zh, en = OPERATIONS[operation]
    parts = [zh.format(zh=docs.zh), en.format(en=docs.en)]
    if operation == "create":
        parts += [docs.about_zh, docs.about_en]
    return "\n\n".join(p for p in parts if p)


def examples(name: str, value: dict[str, Any]) -> dict[str, Example]:
    """`openapi_examples` with one example."""
    return {name: Example(summary=name, value=value)}
