"""The OpenAPI document integrators generate clients from: every error typed as problem+json.

FastAPI derives paths, parameters, bodies and success schemas from the routes. `build_openapi`
then documents each operation's 4xx and 5xx answers with the one `ProblemDetails` schema
(`application/problem+json`): those every operation of its kind can give (401 and 403 with
a token, 404 with an id in the path, 422 with input, 429 and 500 always), plus those a route
names with `responses=problems(...)` (409 on a duplicate, 412 and 428 on a correction...).
"""

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.errors import PROBLEM_JSON, ProblemDetails

SCHEMAS = "#/components/schemas/"
PROBLEM_REF = {"$ref": SCHEMAS + "ProblemDetails"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# What each error status means in this API (中文 · English).
PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "请求有误 · Bad request",
    401: "未认证：缺少访问令牌或令牌无效 · No valid bearer token (see WWW-Authenticate)",
    403: "无权访问：令牌缺少所需权限，或用途不被允许 · The token lacks the scope, "
    "or the purpose of use is not allowed",
    404: "不存在，或不在您的辖区内 · Not found, or outside your jurisdiction",
    409: "冲突：记录已存在、已作废或状态不允许 · Conflict: the record exists, is void, "
    "or its state forbids this",
    412: "版本已变：If-Match 不是当前版本 · If-Match names a stale version",
    413: "请求过大 · Request too large",
    415: "不支持的媒体类型 · Unsupported media type",
    422: "输入无效：逐项列出出错字段 · Invalid input: `errors` names each wrong field",
    423: "账户已锁定 · Account locked",
    428: "缺少 If-Match 头 · Send If-Match with the version you read",
    429: "请求过多：请在 Retry-After 秒后重试 · Too many requests: retry after Retry-After seconds",
    500: "服务内部错误（已记录）· Unexpected error (logged)",
    503: "服务暂不可用 · Service unavailable",
}
PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer challenge (RFC 6750)",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before retrying (重试等待秒数)",
            "schema": {"type": "integer"},
        }
    },
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error answers it gives beyond its kind's usual ones."""
    return {status: {"description": PROBLEM_DESCRIPTIONS[status]} for status in statuses}


def usual_problems(operation: dict[str, Any]) -> set[int]:
    """The error statuses every operation shaped like this one can answer with."""
    statuses = {429, 500}
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if operation.get("security"):
        statuses.update({401, 403})
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    return statuses


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One documented error answer: the problem+json schema, and its headers if any."""
    response: dict[str, Any] = {
        "description": description or PROBLEM_DESCRIPTIONS.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if status in PROBLEM_HEADERS:
        response["headers"] = PROBLEM_HEADERS[status]
    return response


def document_problems(document: dict[str, Any]) -> None:
    """Give every operation its problem+json answers, and the schema they share."""
    schema = ProblemDetails.model_json_schema(ref_template=SCHEMAS + "{model}")
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["ProblemDetails"] = schema
    for path_item in document.get("paths", {}).values():
        for method in METHODS:
            if method in path_item:
                _document_operation(path_item[method])
    # FastAPI's validation-error schemas describe answers this API never gives.
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"{SCHEMAS}{unused}"' not in json.dumps(document):
            components.pop(unused, None)


def _document_operation(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code, response in responses.items():
        if code.startswith("2") and response.get("description") == "Successful Response":
            response["description"] = "成功 · Success"
    declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
    for status in sorted(declared | usual_problems(operation)):
        given = responses.get(str(status), {}).get("description")
        # FastAPI's own 422 describes its validation schema, which this API does not answer.
        if status == 422 and given == "Validation Error":
            given = None
        responses[str(status)] = problem_response(status, given)
    operation["responses"] = dict(sorted(responses.items()))


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, built once."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            servers=app.servers,
        )
        document_problems(document)
        app.openapi_schema = document
    return app.openapi_schema


DESCRIPTION = """\
人口与出生信息共享交换平台的接口契约。带锁标记的接口需要 `Authorization: Bearer <token>`，
令牌由 `POST /oauth/token` 签发。每个错误都以 `application/problem+json` 返回，`errors`
逐项列出出错字段。记录的读取与修改仅限调用方辖区（辖区外的记录答 404）。列表用 `limit` 和
`cursor` 分页；更正用 JSON 合并补丁（`application/merge-patch+json`）并带 `If-Match`。

The contract of the population and birth-information exchange. Operations marked with a
lock need `Authorization: Bearer <token>` (from `POST /oauth/token`). Every error is
`application/problem+json`, with each wrong field in `errors`. Records are read and written
only inside the caller's jurisdiction (outside it: 404). Lists take `limit` and `cursor` and
answer `{"items", "next_cursor"}`; a correction is a JSON merge patch
(`application/merge-patch+json`) sent with `If-Match`.
"""

TAGS: list[dict[str, str]] = [
    {"name": "auth", "description": "令牌与密钥 · Tokens and keys (OAuth 2.0)"},
    {"name": "persons", "description": "全员人口信息 · Persons"},
    {"name": "births", "description": "出生医学证明 · Medical birth records"},
    {"name": "ultrasound exams", "description": "B超检查实名登记 · Ultrasound exams"},
    {"name": "household entries", "description": "户籍登记 · Household register entries"},
    {"name": "marriages", "description": "婚姻登记 · Marriage-registry records"},
    {"name": "bulk exchange", "description": "批量交换（NDJSON）· Bulk import"},
    {"name": "feed", "description": "数据交换变更流 · The change feed"},
    {"name": "crosscheck", "description": "信息比对 · Cross-check runs"},
    {"name": "discrepancies", "description": "比对问题 · The discrepancy worklist"},
    {"name": "stats", "description": "统计 · Statistics"},
    {"name": "audit", "description": "审计日志 · The audit log"},
    {"name": "operations", "description": "运行状态 · Liveness, readiness, metrics"},
    {
        "name": "birth-service applications",
        "description": "生育服务登记 · Birth-service registration",
    },
    {"name": "certificates", "description": "证明核验 · Certificate verification"},
]
