"""How the OpenAPI document describes birth-service applications and certificates: a
bilingual summary and description for each operation, and the request examples."""

from typing import Any

from fastapi.openapi.models import Example

APPLICATIONS_TAG = "birth-service applications"
CERTIFICATES_TAG = "certificates"  # both declared in api/routers/openapi.py TAGS

CREATE_EXAMPLE: dict[str, Any] = {
    "applicant": {"id_number": "420202199203150029", "name": "王芳", "phone": "13800138000"},
    "spouse": {"id_number": "420202199007080019", "name": "李强"},
    "marriage_certificate_no": "J420202-2019-000123",
    "child_order": 2,
    "expected_due_date": "2027-03-01",
    "household_region": "420202",
    "residence_region": "420202",
    "channel": "online",
    "commitment": True,
}
PATCH_EXAMPLE: dict[str, Any] = {"applicant": {"phone": "13900139000"}}
CORRECTION_EXAMPLE = {"reasons": ["联系电话无法接通，请核实", "请补充填写结婚证字号"]}
REJECTION_EXAMPLE = {"reason": "申请人户籍不在本辖区，请到户籍地办理"}
WITHDRAWAL_EXAMPLE = {"reason": "申请人申请撤回"}
REISSUE_EXAMPLE = {"reason": "原证明遗失，申请补发"}

_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "create": (
        "提交生育服务登记申请",
        "Submit an application",
        "为夫妻提交生育服务登记（网上或窗口）。提交后立即以共享数据核验身份、婚姻和户籍，"
        "结果在 checks 中；库中无记录的申请人也予受理，核验结果为 unavailable。"
        "登记不以子女数量为前提。字段错误以中文逐项说明。",
        "Submit for a couple (online or at the counter). The checks against shared data run at "
        "once and are answered in `checks`; an applicant unknown to the registers is accepted "
        "with `unavailable` checks. No check concerns the number of children. Field errors "
        "are in Chinese, one per field. `Idempotency-Key` replays a first answer.",
    ),
    "list": (
        "列出辖区内的申请",
        "List applications in your jurisdiction",
        "按提交时间先后排列；可按状态、地区、提交日期、渠道筛选，mine=true 只列出本人提交的。",
        "Oldest submission first; filter by status, region, day of submission (date_from, "
        "date_to), channel; `mine=true` lists only the caller's own submissions.",
    ),
    "read": (
        "查看一件申请",
        "Read one application",
        "申请、核验结果和状态记录；辖区外的申请答复 404。",
        "The application with its checks and status history; outside the jurisdiction: 404.",
    ),
    "resubmit": (
        "补正后重新提交",
        "Correct and resubmit",
        "答复退回补正：以 JSON 合并补丁更正申请（须带 If-Match），重新核验并回到“已提交”。"
        "仅限“待补正”状态，否则 409 并说明当前状态。",
        "Answer a request for correction: a JSON merge patch with `If-Match`; the checks run "
        "again and the application is `submitted` again. Only from `needs_correction`; "
        "otherwise 409 naming the current status.",
    ),
    "history": (
        "申请的全部版本",
        "Every version of an application",
        "每次提交、补正和状态变更后的版本，最早的在前。",
        "The application after each submission, correction and transition, oldest first.",
    ),
    "issue": (
        "发证",
        "Issue the certificate",
        "仅限“已提交”的申请（applications:review）。答复含证明编号、发证日期和核验码；"
        "核验码只显示这一次，系统只保存其哈希值。",
        "Only a `submitted` application (applications:review). The answer carries "
        "`certificate_no`, `issued_on` and the `verification_code`, shown this once and "
        "stored only as a hash.",
    ),
    "request-correction": (
        "退回补正",
        "Request a correction",
        "仅限“已提交”的申请（applications:review），须列明至少一条原因。",
        "Only a `submitted` application (applications:review), with one reason or more.",
    ),
    "reject": (
        "不予登记",
        "Reject",
        "“已提交”或“待补正”的申请（applications:review），必须说明原因。",
        "A `submitted` or `needs_correction` application (applications:review); the reason "
        "is required.",
    ),
    "withdraw": (
        "撤回申请",
        "Withdraw",
        "代申请人撤回，原因可选；已发证的，证明随之作废（核验显示 revoked）。",
        "On the applicant's behalf, with an optional reason; an issued certificate is revoked "
        "(verification shows `revoked`).",
    ),
    "reissue": (
        "补发证明",
        "Reissue the certificate",
        "证明遗失或损坏时补发：新的编号和核验码，原证明核验显示 replaced（applications:review）。",
        "A new number and code for a lost or damaged certificate; the old one verifies as "
        "`replaced` (applications:review).",
    ),
    "pdf": (
        "下载证明PDF",
        "The certificate as a PDF",
        "A4 打印件，含二维码（核验网址）。系统不保存核验码明文：在 X-Verification-Code "
        "中提供发证时的核验码，即印在证明上并写入二维码。",
        "A printable A4 page with a QR code of its verification URL. The service keeps no "
        "copy of the code: send it (from the answer to issue) in `X-Verification-Code` to "
        "have it printed and put in the QR code.",
    ),
    "jws": (
        "电子证明（JWS）",
        "The certificate as a signed credential (JWS)",
        "以服务密钥 ES256 签名的紧凑 JWS，仅凭 /.well-known/jwks.json 即可验签。",
        "A compact JWS signed ES256 with the service key (`kid` in the header), checkable "
        "with /.well-known/jwks.json alone. Claims: iss, jti, sub, iat, nbf, type, "
        "certificate_no, issued_on, issuing_authority, holder and spouse "
        "({name, id_number_masked}), household_region, household_region_name, child_order, "
        "verify_url.",
    ),
    "verify": (
        "核验证明（无需令牌）",
        "Verify a certificate (no token)",
        "只答复 valid、issued_on、holder_name_masked、status 四项；编号或核验码不对时 "
        "valid 为 false，其余为空。按客户端地址限流，每次核验都记入审计日志。",
        "Answers exactly `{valid, issued_on, holder_name_masked, status}`; a wrong number or "
        "code is `valid: false` and nothing else. `status` is `valid`, `revoked` (withdrawn "
        "after issue) or `replaced` (reissued). Limited per client address; every attempt "
        "is audited.",
    ),
}


def texts(operation: str) -> dict[str, Any]:
    """`summary` and `description` of an operation, 中文 · English."""
    zh, en, about_zh, about_en = _TEXTS[operation]
    return {"summary": f"{zh} · {en}", "description": f"{about_zh}\n\n{about_en}"}


def examples(name: str, value: dict[str, Any]) -> dict[str, Example]:
    """`openapi_examples` with one example."""
    return {name: Example(summary=name, value=value)}
