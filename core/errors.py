"""Domain errors raised by services and mapped to HTTP statuses by the web layers."""

from __future__ import annotations

from functools import cache
from typing import Any

from core.messages import Msg, in_language, msg


class DomainError(Exception):
    """Base for errors a user can act on; ``status`` is the HTTP mapping."""

    status = 400
    kind = "invalid"

    def __init__(self, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.message = message
        #: field-level details, e.g. {"uscc": ["校验码错误"]} or a list of row errors
        self.errors = errors


def describe(exc: DomainError) -> str:
    """A domain error as one line (pages, CLI, Open311): the message, then field details."""
    if not isinstance(exc.errors, dict):
        return exc.message
    details = "; ".join(
        f"{k}: {', '.join(map(str, v))}"
        for k, v in exc.errors.items()
        if v and str(v[0]) not in exc.message
    )
    return f"{exc.message}" + (f" ({details})" if details else "")


@cache
def field_labels() -> dict[str, Msg]:
    """Human names of the fields services report errors on (pages show these, never keys)."""
    return {
        "uscc": msg("统一社会信用代码"),
        "region_code": msg("行政区划代码"),
        "region": msg("地区"),
        "industry_code": msg("行业代码"),
        "permit_no": msg("排污许可证编号"),
        "target_type": msg("异议对象"),
        "target_id": msg("异议对象"),
        "claim": msg("异议内容"),
        "contact": msg("联系方式"),
        "reason": msg("理由"),
        "commitment": msg("信用承诺"),
        "penalty": msg("行政处罚"),
        "decision": msg("处理意见"),
        "to_level": msg("调整后的等级"),
        "expires_at": msg("有效期至"),
        "count": msg("抽取数量"),
        "seed": msg("随机种子"),
        "password": msg("密码"),
        "current": msg("当前密码"),
        "email": msg("邮箱"),
        "role": msg("角色"),
        "scope": msg("权限范围"),
        "code": msg("验证码"),
        "activation_code": msg("激活码"),
        "legal_representative": msg("法定代表人"),
        "name": msg("姓名"),
    }


def details_in(exc: DomainError, lang: str) -> list[tuple[str, str]]:
    """The field details of ``exc`` in ``lang`` as (human label or "", text) pairs, leaving
    out those the message already says; a field with no known label shows its text alone."""
    if not isinstance(exc.errors, dict):
        return []
    message = in_language(exc.message, lang)
    labels = field_labels()
    details = []
    for key, values in exc.errors.items():
        texts = [in_language(v, lang) for v in (values if isinstance(values, list) else [values])]
        texts = [t for t in texts if t and t not in message]
        if texts:
            label = labels.get(key)
            details.append((in_language(label, lang) if label else "", " ".join(texts)))
    return details


def describe_in(exc: DomainError, lang: str) -> str:
    """A domain error in one language as one line, for a page: the message, then the field
    details with their human labels (``describe`` is the bilingual line of CLI and API)."""
    message = in_language(exc.message, lang)
    english = lang.startswith("en")
    parts = [
        f"{label}{': ' if english else '：'}{text}" if label else text
        for label, text in details_in(exc, lang)
    ]
    if not parts:
        return message
    return message + (f" ({'; '.join(parts)})" if english else f"（{'；'.join(parts)}）")


class BadRequest(DomainError):
    """A query parameter that cannot be read (400 problem; ``errors`` names the parameter)."""

    status = 400
    kind = "bad-request"


class Invalid(DomainError):
    status = 422
    kind = "invalid"


class NotFound(DomainError):
    status = 404
    kind = "not-found"


class Forbidden(DomainError):
    status = 403
    kind = "forbidden"


class Conflict(DomainError):
    status = 409
    kind = "conflict"


class Unauthorized(DomainError):
    status = 401
    kind = "unauthorized"


class Refused(DomainError):
    """A request refused before any view ran (too long, hostile body …): its own status and
    problem kind."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
