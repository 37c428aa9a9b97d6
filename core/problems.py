"""The problem types of every problem+json answer: one type URI and one fixed title per
meaning (RFC 9457); what is specific to an occurrence goes in ``detail``."""

from __future__ import annotations

import http

PROBLEM_BASE = "https://envcredit.org/problems/"

#: kind → (HTTP status, fixed title). The first kind listed for a status is the one an
#: error of that status gets when it names no kind of its own.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "请求有误 / Bad request"),
    "invalid-json": (400, "JSON 请求体被拒绝 / JSON body refused"),
    "invalid-characters": (400, "请求含有不允许的字符 / Characters not allowed"),
    "untrusted-host": (400, "不受信任的主机名 / Untrusted host"),
    "unauthorized": (401, "需要有效的 API 密钥 / Authentication required"),
    "forbidden": (403, "无权访问 / Forbidden"),
    "not-found": (404, "未找到 / Not found"),
    "method-not-allowed": (405, "不支持该请求方法 / Method not allowed"),
    "not-acceptable": (406, "无法提供所要求的格式 / Not acceptable"),
    "conflict": (409, "与当前状态冲突 / Conflict"),
    "cursor-beyond-head": (409, "游标超出变更流末端 / Cursor beyond the head of the feed"),
    "too-large": (413, "请求体过大 / Content too large"),
    "uri-too-long": (414, "请求地址过长 / URI too long"),
    "unsupported-media-type": (415, "不支持的请求格式 / Unsupported media type"),
    "invalid": (422, "请求内容无效 / Invalid request"),
    "rate-limited": (429, "请求过于频繁 / Too many requests"),
    "server-error": (500, "服务器内部错误 / Internal server error"),
    "unavailable": (503, "服务暂不可用 / Service unavailable"),
}
_BY_STATUS: dict[int, str] = {}
for _kind, (_status, _title) in PROBLEM_TYPES.items():
    _BY_STATUS.setdefault(_status, _kind)


def problem_kind(status: int, kind: str | None = None) -> str:
    """The kind of problem: ``kind`` when the table knows it, else the status's own kind."""
    if kind in PROBLEM_TYPES:
        return kind
    return _BY_STATUS.get(status, kind or str(status))


def problem_type(status: int, kind: str | None = None) -> tuple[str, str]:
    """(type URI, fixed title) of a problem with this status and kind."""
    name = problem_kind(status, kind)
    if name in PROBLEM_TYPES:
        return PROBLEM_BASE + name, PROBLEM_TYPES[name][1]
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return PROBLEM_BASE + name, phrase
