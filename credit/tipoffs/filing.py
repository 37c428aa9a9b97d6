"""Tip-offs (举报) from the reporter's side: file one, follow it, add to it, ask to reopen it.

All rules live here (the portal pages and the API are thin). Reporter identity is stored
for the handling regulator only: it never enters audit details, log lines, error messages
or any public view built here. The regulators' operations are in ``tipoff_queue``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import read_only, utcnow
from core.errors import Conflict, Invalid
from core.keyed_hash import hash_token
from core.reference import resolve_region, uscc_problem
from credit.records.models import Enterprise
from credit.tipoffs.attachments import PreparedFile, prepare_uploads, store_attachments
from credit.tipoffs.codes import (
    HASH_PURPOSE,
    new_secret,
    new_tracking_code,
    squash,
)
from credit.tipoffs.models import TIPOFF_CATEGORIES, TIPOFF_SOURCES, TipOff
from credit.tipoffs.timeline import add_event, clean_text
from credit.tipoffs.vocabulary import (
    ACCEPT_DAYS,
    CLOSE_DAYS,
)

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,38}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class FiledTipOff:
    """What the reporter gets once: the tracking code and the secret (never stored plain)."""

    tipoff: TipOff
    tracking_code: str
    secret: str


@dataclass
class TipOffInput:
    """A tip-off as typed on the form or sent to the API."""

    category: str = ""
    description: str = ""
    location: str = ""
    latitude: Any = None
    longitude: Any = None
    enterprise: str | None = None
    region_code: str | None = None
    anonymous: bool = True
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    #: no region could be found (Open311): file it for triage instead of refusing it
    unplaced: bool = False


def _coordinate(value: Any, limit: int, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or clean_text(value) == "":
        return None
    try:
        number = Decimal(clean_text(value))
    except (InvalidOperation, ValueError):
        errors[field] = [f"须为数字 / {field} must be a number"]
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        errors[field] = [f"须在 −{limit} 到 {limit} 之间 / {field} must be within ±{limit}"]
        return None
    return number.quantize(Decimal("0.000001"))


def find_enterprise(session: Session, text: str) -> Enterprise:
    """The enterprise named by a USCC or by its (unique) name; Invalid otherwise."""
    query = text.strip()[:200]
    if not uscc_problem(query.upper()):
        ent = session.scalar(select(Enterprise).where(Enterprise.uscc == query.upper()))
        if ent is not None:
            return ent
    exact = session.scalars(select(Enterprise).where(Enterprise.name == query).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    like = session.scalars(
        select(Enterprise).where(Enterprise.name.like(pattern, escape="\\")).limit(2)
    ).all()
    if len(like) == 1 and len(query) >= 2:
        return like[0]
    message = (
        "名称对应多家企业，请填写统一社会信用代码 / several enterprises match; give the USCC"
        if like
        else "未找到该企业 / no enterprise matches"
    )
    raise Invalid(message, {"enterprise": [message]})


def _reporter(data: TipOffInput, errors: dict[str, list[str]]) -> tuple[str | None, ...]:
    """Named reporters give a name plus a phone or e-mail; anonymous ones give nothing."""
    if data.anonymous:
        return None, None, None
    name, phone = clean_text(data.reporter_name), clean_text(data.reporter_phone)
    email = clean_text(data.reporter_email).lower()
    if not 1 <= len(name) <= 100:
        errors["reporter_name"] = ["实名举报须填写姓名（100 字以内） / a name (≤100) is required"]
    if phone and not _PHONE_RE.fullmatch(phone):
        errors["reporter_phone"] = ["电话号码格式不正确 / not a phone number"]
    if email and (len(email) > 254 or not _EMAIL_RE.fullmatch(email)):
        errors["reporter_email"] = ["邮箱格式不正确 / not an e-mail address"]
    if not phone and not email:
        errors["reporter_contact"] = ["实名举报须填写电话或邮箱 / give a phone number or e-mail"]
    return name, phone or None, email or None


def check_tipoff(session: Session, data: TipOffInput) -> dict[str, Any]:
    """Every rule a tip-off must meet (reads only); the stored values, or Invalid."""
    errors: dict[str, list[str]] = {
        name: ["不允许空字符 / NUL characters are not allowed"]
        for name, value in vars(data).items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:
        raise Invalid("举报内容含有不允许的字符 / the tip-off contains NUL characters", errors)
    values: dict[str, Any] = {"category": clean_text(data.category)}
    if values["category"] not in TIPOFF_CATEGORIES:
        errors["category"] = [f"须为 {'/'.join(TIPOFF_CATEGORIES)} 之一 / unknown category"]
    values["description"] = clean_text(data.description)
    if not 10 <= len(values["description"]) <= 4000:
        errors["description"] = ["描述须为 10–4000 字 / description must have 10–4000 characters"]
    values["location"] = clean_text(data.location)
    if not 1 <= len(values["location"]) <= 300:
        errors["location"] = ["须填写发生地点（300 字以内） / a location (≤300) is required"]
    values["latitude"] = _coordinate(data.latitude, 90, "latitude", errors)
    values["longitude"] = _coordinate(data.longitude, 180, "longitude", errors)
    if (
        (values["latitude"] is None) != (values["longitude"] is None)
        and not errors.get("latitude")
        and not errors.get("longitude")
    ):
        errors["latitude"] = ["经纬度须同时填写 / give both latitude and longitude"]
    values["enterprise_id"], values["region_code"] = _where(session, data, errors)
    values["placement"] = "unplaced" if data.unplaced else "placed"
    name, phone, email = _reporter(data, errors)
    values.update(
        reporter_name=name,
        reporter_phone=phone,
        reporter_email=email,
        anonymous=bool(data.anonymous),
    )
    if errors:
        raise Invalid("举报内容有误，请修改后重新提交 / the tip-off is invalid", errors)
    return values


def _where(
    session: Session, data: TipOffInput, errors: dict[str, list[str]]
) -> tuple[int | None, str | None]:
    """The enterprise (optional) and the region that will handle the report."""
    if clean_text(data.enterprise):
        try:
            ent = find_enterprise(session, clean_text(data.enterprise))
            return ent.id, ent.region_code
        except Invalid as exc:
            errors.update(exc.errors or {})
            return None, None
    if not clean_text(data.region_code):
        if data.unplaced:  # waits without a region for the national admins' triage
            return None, None
        errors["region_code"] = [
            "请选择发生地所在地区，或填写被举报企业 / choose the region or name the enterprise"
        ]
        return None, None
    try:
        return None, resolve_region(session, clean_text(data.region_code)).code
    except Invalid as exc:
        errors.update(exc.errors or {})
        return None, None


def _unique_code(session: Session) -> str:
    for _ in range(8):
        code = new_tracking_code()
        if session.scalar(select(TipOff.id).where(TipOff.tracking_code == code)) is None:
            return code
    raise Conflict("无法生成查询码，请重试 / could not allocate a tracking code; try again")


def file_tipoff(
    session: Session,
    data: TipOffInput,
    *,
    attachments: Sequence[PreparedFile] = (),
    upload_dir: str | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> FiledTipOff:
    """Validate and store a tip-off; returns the tracking code and the one-time secret.

    Everything is validated before anything is hashed or stored; the secret's hash is a
    keyed HMAC (the secret is random, so a slow hash would only be a cost an attacker makes
    us pay). Callers with uploads run :func:`check_tipoff` before preparing them.
    """
    if source not in TIPOFF_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    values = check_tipoff(session, data)
    secret = new_secret()
    now = now or utcnow()
    today = local_date(now)
    code = _unique_code(session)
    tipoff = TipOff(
        **values,
        tracking_code=code,
        secret_hash=hash_token(squash(secret), HASH_PURPOSE),
        status="received",
        source=source,
        created_at=now,
        accept_due_at=today + dt.timedelta(days=ACCEPT_DAYS),
        due_at=today + dt.timedelta(days=CLOSE_DAYS),
    )
    session.add(tipoff)
    session.flush()
    if attachments:
        if upload_dir is None:
            raise ValueError("upload_dir is required with attachments")
        store_attachments(session, tipoff.id, attachments, upload_dir, existing=0)
    add_event(
        session,
        tipoff,
        "received",
        "system",
        at=now,
        public="举报已收到，将在 15 日内作出是否受理的决定 / received; an acceptance "
        "decision follows within 15 days",
    )
    audit(
        session,
        "public",
        "tipoff.file",
        f"tipoff:{tipoff.id}",
        {
            "category": tipoff.category,
            "region": tipoff.region_code,
            "source": source,
            "attachments": len(attachments),
        },
    )
    return FiledTipOff(tipoff, code, secret)


def file_with_uploads(
    session: Session,
    data: TipOffInput,
    uploads: Callable[[], Sequence[tuple[str | None, bytes]]],
    *,
    upload_dir: str,
    source: str = "web",
) -> FiledTipOff:
    """A tip-off from the form: its fields are checked first, in a read-only session of
    their own (a refused form never has its files read, and no write lock is held while
    images decode); then the uploads are read and checked, and the tip-off is filed."""
    with read_only() as reader:
        check_tipoff(reader, data)
    prepared = prepare_uploads(uploads())
    return file_tipoff(session, data, attachments=prepared, upload_dir=upload_dir, source=source)
