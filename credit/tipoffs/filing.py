"""Tip-offs (举报) from the reporter's side: file one, follow it, add to it, ask to reopen it.

All rules live here (the portal pages and the API are thin). Reporter identity is stored
for the handling regulator only: it never enters audit details, log lines, error messages
or any public view built here. The regulators' operations are in ``tipoff_queue``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import utcnow
from core.errors import Conflict, Invalid, NotFound
from core.keyed_hash import hash_token, is_keyed, verify_token
from core.passwords import verify_secret
from core.reference import resolve_region, uscc_problem
from credit.records.models import Enterprise
from credit.tipoffs.attachments import MAX_FILES, PreparedFile, store_attachments
from credit.tipoffs.models import TIPOFF_CATEGORIES, TIPOFF_SOURCES, Attachment, TipOff, TipOffEvent

CN_TZ = ZoneInfo("Asia/Shanghai")
ACCEPT_DAYS = 15
CLOSE_DAYS = 60
MAX_INFO_EVENTS = 30
CATEGORY_NAMES = {"air": "大气", "water": "水", "noise": "噪声", "solid_waste": "固体废物",
                  "soil": "土壤", "radiation": "辐射", "ecology": "生态", "other": "其他"}
SEVERITY_NAMES = {"routine": "日常", "general": "一般", "major": "较大", "critical": "重大"}
STATUS_NAMES = {"received": "已接收", "accepted": "已受理", "rejected": "不予受理",
                "assigned": "已交办", "investigating": "调查处理中", "closed": "已办结"}
EVENT_NAMES = {"received": "收到举报", "accepted": "决定受理", "rejected": "不予受理",
               "assigned": "交办承办人员", "classified": "确定等级", "investigating": "开始调查",
               "extended": "延期办理", "closed": "办结", "reporter_info": "举报人补充信息",
               "reopen_requested": "举报人申请重新处理", "reopened": "重新处理",
               "reopen_declined": "维持原办理结果", "duplicate": "与同一问题的举报合并处理",
               "reward": "有奖举报认定", "placed": "确定办理地区"}
FINAL = frozenset({"closed", "rejected"})
#: timeline steps that concern the case itself. A report merged into another shows these
#: steps of the original; every other kind (received, reporter_info, reward, duplicate,
#: reopen_requested, reopened, reopen_declined) concerns one reporter and stays on their own
#: report (security I4)
CASE_EVENTS = frozenset({"placed", "accepted", "rejected", "assigned", "classified",
                         "investigating", "extended", "closed"})
#: purpose of the keyed hash of tracking secrets (core.keyed_hash)
HASH_PURPOSE = "tipoff-secret"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,38}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
NOT_FOUND = ("查询码或密钥不正确 / no tip-off matches this tracking code and secret")


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date in China (deadlines and statistics count in Beijing time)."""
    return moment.astimezone(CN_TZ).date()


def cn_time(moment: dt.datetime | None) -> str:
    """A timestamp as Beijing time for pages, e.g. ``2026-07-01 09:30``."""
    return moment.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def _random(n: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def new_tracking_code() -> str:
    """A tracking code such as ``JB-7K3M9-QX2WD`` (50 random bits)."""
    return f"JB-{_random(5)}-{_random(5)}"


def new_secret() -> str:
    """The reporter's secret, e.g. ``K7QM-2WXD-9PLT-F3HZ`` (80 random bits)."""
    raw = _random(16)
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _squash(value: str | None) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value or "")[:64].upper()


def normalize_code(value: str | None) -> str | None:
    """``jb 7k3m9 qx2wd`` → ``JB-7K3M9-QX2WD``; None when it cannot be a code."""
    raw = _squash(value)
    if len(raw) != 12 or not raw.startswith("JB") or set(raw[2:]) - set(CODE_ALPHABET):
        return None
    return f"JB-{raw[2:7]}-{raw[7:]}"


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


def _clean(value: Any) -> str:
    return str(value or "").strip()


def _coordinate(value: Any, limit: int, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or _clean(value) == "":
        return None
    try:
        number = Decimal(_clean(value))
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
    like = session.scalars(select(Enterprise).where(Enterprise.name.like(pattern, escape="\\"))
                           .limit(2)).all()
    if len(like) == 1 and len(query) >= 2:
        return like[0]
    message = ("名称对应多家企业，请填写统一社会信用代码 / several enterprises match; give the USCC"
               if like else "未找到该企业 / no enterprise matches")
    raise Invalid(message, {"enterprise": [message]})


def _reporter(data: TipOffInput, errors: dict[str, list[str]]) -> tuple[str | None, ...]:
    """Named reporters give a name plus a phone or e-mail; anonymous ones give nothing."""
    if data.anonymous:
        return None, None, None
    name, phone = _clean(data.reporter_name), _clean(data.reporter_phone)
    email = _clean(data.reporter_email).lower()
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
        for name, value in vars(data).items() if isinstance(value, str) and "\x00" in value}
    if errors:
        raise Invalid("举报内容含有不允许的字符 / the tip-off contains NUL characters", errors)
    values: dict[str, Any] = {"category": _clean(data.category)}
    if values["category"] not in TIPOFF_CATEGORIES:
        errors["category"] = [f"须为 {'/'.join(TIPOFF_CATEGORIES)} 之一 / unknown category"]
    values["description"] = _clean(data.description)
    if not 10 <= len(values["description"]) <= 4000:
        errors["description"] = ["描述须为 10–4000 字 / description must have 10–4000 characters"]
    values["location"] = _clean(data.location)
    if not 1 <= len(values["location"]) <= 300:
        errors["location"] = ["须填写发生地点（300 字以内） / a location (≤300) is required"]
    values["latitude"] = _coordinate(data.latitude, 90, "latitude", errors)
    values["longitude"] = _coordinate(data.longitude, 180, "longitude", errors)
    if (values["latitude"] is None) != (values["longitude"] is None) and not errors.get(
            "latitude") and not errors.get("longitude"):
        errors["latitude"] = ["经纬度须同时填写 / give both latitude and longitude"]
    values["enterprise_id"], values["region_code"] = _where(session, data, errors)
    values["placement"] = "unplaced" if data.unplaced else "placed"
    name, phone, email = _reporter(data, errors)
    values.update(reporter_name=name, reporter_phone=phone, reporter_email=email,
                  anonymous=bool(data.anonymous))
    if errors:
        raise Invalid("举报内容有误，请修改后重新提交 / the tip-off is invalid", errors)
    return values


def _where(session: Session, data: TipOffInput,
           errors: dict[str, list[str]]) -> tuple[int | None, str | None]:
    """The enterprise (optional) and the region that will handle the report."""
    if _clean(data.enterprise):
        try:
            ent = find_enterprise(session, _clean(data.enterprise))
            return ent.id, ent.region_code
        except Invalid as exc:
            errors.update(exc.errors or {})
            return None, None
    if not _clean(data.region_code):
        if data.unplaced:  # waits without a region for the national admins' triage
            return None, None
        errors["region_code"] = ["请选择发生地所在地区，或填写被举报企业 / choose the region or "
                                 "name the enterprise"]
        return None, None
    try:
        return None, resolve_region(session, _clean(data.region_code)).code
    except Invalid as exc:
        errors.update(exc.errors or {})
        return None, None


def add_event(session: Session, tipoff: TipOff, kind: str, actor: str, *,
              public: str | None = None, internal: str | None = None,
              at: dt.datetime | None = None) -> TipOffEvent:
    """Append one step to the tip-off's timeline."""
    event = TipOffEvent(tipoff_id=tipoff.id, kind=kind, actor=actor, public_note=public,
                        internal_note=internal, at=at or utcnow())
    session.add(event)
    return event


def _unique_code(session: Session) -> str:
    for _ in range(8):
        code = new_tracking_code()
        if session.scalar(select(TipOff.id).where(TipOff.tracking_code == code)) is None:
            return code
    raise Conflict("无法生成查询码，请重试 / could not allocate a tracking code; try again")


def file_tipoff(session: Session, data: TipOffInput, *, attachments: Sequence[PreparedFile] = (),
                upload_dir: str | None = None, source: str = "web",
                now: dt.datetime | None = None) -> FiledTipOff:
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
    tipoff = TipOff(**values, tracking_code=code,
                    secret_hash=hash_token(_squash(secret), HASH_PURPOSE),
                    status="received", source=source, created_at=now,
                    accept_due_at=today + dt.timedelta(days=ACCEPT_DAYS),
                    due_at=today + dt.timedelta(days=CLOSE_DAYS))
    session.add(tipoff)
    session.flush()
    if attachments:
        if upload_dir is None:
            raise ValueError("upload_dir is required with attachments")
        store_attachments(session, tipoff.id, attachments, upload_dir, existing=0)
    add_event(session, tipoff, "received", "system", at=now,
              public="举报已收到，将在 15 日内作出是否受理的决定 / received; an acceptance "
                     "decision follows within 15 days")
    audit(session, "public", "tipoff.file", f"tipoff:{tipoff.id}",
          {"category": tipoff.category, "region": tipoff.region_code, "source": source,
           "attachments": len(attachments)})
    return FiledTipOff(tipoff, code, secret)


def _secret_matches(tipoff: TipOff, candidate: str) -> bool:
    """Keyed-hash check; a row filed before keyed hashes is checked with argon2 once and
    rehashed on that first success (the caller's commit keeps it)."""
    if is_keyed(tipoff.secret_hash):
        return verify_token(tipoff.secret_hash, candidate, HASH_PURPOSE)
    if not verify_secret(tipoff.secret_hash, candidate):
        return False
    tipoff.secret_hash = hash_token(candidate, HASH_PURPOSE)
    return True


def find_tracked(session: Session, code: str | None, secret: str | None, *,
                 lock: bool = False) -> TipOff:
    """The tip-off for code + secret; the same NotFound for a wrong code or a wrong secret."""
    normal = normalize_code(code)
    stmt = select(TipOff).where(TipOff.tracking_code == normal)
    tipoff = session.scalar(stmt.with_for_update() if lock else stmt) if normal else None
    candidate = _squash(secret)
    if tipoff is None:
        verify_token(None, candidate, HASH_PURPOSE)  # the HMAC a wrong secret costs too
        raise NotFound(NOT_FOUND)
    if not _secret_matches(tipoff, candidate):
        raise NotFound(NOT_FOUND)
    return tipoff


def _text(value: str | None, field: str, low: int, high: int) -> str:
    text = _clean(value)
    if not low <= len(text) <= high or "\x00" in text:
        raise Invalid(f"内容须为 {low}–{high} 字 / {field} must have {low}–{high} characters",
                      {field: [f"{low}–{high}"]})
    return text


def check_information(session: Session, code: str, secret: str, text: str, *, files: int = 0,
                      lock: bool = False) -> tuple[TipOff, str]:
    """Code + secret, the text and the number of files of an addition, before any upload is
    read; the tip-off and the cleaned text, or NotFound / Invalid / Conflict."""
    tipoff = find_tracked(session, code, secret, lock=lock)
    body = _text(text, "text", 2, 4000)
    count = session.scalar(select(func.count()).select_from(TipOffEvent).where(
        TipOffEvent.tipoff_id == tipoff.id, TipOffEvent.kind == "reporter_info"))
    if (count or 0) >= MAX_INFO_EVENTS:
        raise Conflict("补充信息次数已达上限 / too many additions to this tip-off")
    if files and session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.tipoff_id == tipoff.id)) + files > MAX_FILES:
        raise Invalid(f"每件举报最多 {MAX_FILES} 个附件 / at most {MAX_FILES} attachments per "
                      "tip-off", {"attachments": [f"at most {MAX_FILES} in all"]})
    return tipoff, body


def add_information(session: Session, code: str, secret: str, text: str, *,
                    attachments: Sequence[PreparedFile] = (), upload_dir: str | None = None,
                    now: dt.datetime | None = None) -> TipOff:
    """The reporter adds information (and files, within the limit of five in all)."""
    tipoff, body = check_information(session, code, secret, text, lock=True)
    if attachments:
        if upload_dir is None:
            raise ValueError("upload_dir is required with attachments")
        store_attachments(session, tipoff.id, attachments, upload_dir)
    add_event(session, tipoff, "reporter_info", "reporter", public=body, at=now)
    audit(session, "public", "tipoff.add_information", f"tipoff:{tipoff.id}",
          {"attachments": len(attachments)})
    return tipoff


def request_reopen(session: Session, code: str, secret: str, reason: str, *,
                   now: dt.datetime | None = None) -> TipOff:
    """The reporter asks to reopen a closed or rejected report, saying why."""
    tipoff = find_tracked(session, code, secret, lock=True)
    body = _text(reason, "reason", 5, 4000)
    if tipoff.status not in FINAL:
        raise Conflict("举报尚未办结，可直接补充信息 / the report is still open; add information "
                       "instead")
    if tipoff.reopen_requested_at is not None:
        raise Conflict("已申请重新处理，请等待答复 / a reopen request is already pending")
    now = now or utcnow()
    tipoff.reopen_requested_at = now
    add_event(session, tipoff, "reopen_requested", "reporter", public=body, at=now)
    audit(session, "public", "tipoff.reopen_request", f"tipoff:{tipoff.id}")
    return tipoff
