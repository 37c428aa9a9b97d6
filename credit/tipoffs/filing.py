"""Tip-offs (举报) from the reporter's side: file one, follow it, add to it, ask to reopen it.

All rules live here (the portal pages and the API are thin). Reporter identity is stored
for the handling regulator only: it never enters audit details, log lines, error messages
or any public view built here. The regulators' operations are in ``tipoff_queue``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.clock import local_date
from core.db import read_only, utcnow
from core.errors import Conflict, Invalid
from core.keyed_hash import hash_token
from core.mail import normalize_address
from core.messages import msg
from core.reference import uscc_problem
from credit.notify.models import TipOffNotifyAddress
from credit.records.models import Enterprise
from credit.supervision.intake import route_to_grid
from credit.tipoffs.attachments import (
    MAX_FILES,
    PreparedFile,
    Upload,
    prepare_uploads,
    store_attachments,
)
from credit.tipoffs.codes import (
    HASH_PURPOSE,
    new_secret,
    new_tracking_code,
    squash,
)
from credit.tipoffs.models import TIPOFF_CATEGORIES, TIPOFF_SOURCES, TipOff
from credit.tipoffs.pending import KeptFile
from credit.tipoffs.pending import keep as keep_pending
from credit.tipoffs.pending import kept as pending_files
from credit.tipoffs.pending import take as take_pending
from credit.tipoffs.placing import (
    filing_place,
    filing_point,
    flag_contradicted_region,
    route_filing,
)
from credit.tipoffs.timeline import add_event, clean_text
from credit.tipoffs.vocabulary import (
    ACCEPT_DAYS,
    CLOSE_DAYS,
)

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,38}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_USCC_IN_TEXT = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Z])")


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
    #: the region unplaced reports wait in (``TRIAGE_REGION_CODE``), None for the national admins
    triage_code: str | None = None
    #: the coordinates' CRS: "wgs84" (GPS) or "gcj02" (Chinese map apps); stored as WGS-84
    crs: str | None = None
    #: e-mail news of the report (accepted, transferred, extended, closed, rewarded): a named
    #: reporter's goes to ``reporter_email``, an anonymous reporter's to ``notify_address``
    notify_email: bool = False
    #: an anonymous reporter's address for that news only (kept apart, deleted on closure)
    notify_address: str | None = None


def match_enterprise(session: Session, text: str) -> tuple[Enterprise | None, str]:
    """The enterprise a USCC or a (unique) name names: ``(enterprise, "found")``, or
    ``(None, "ambiguous")`` when several names match, ``(None, "unknown")`` when none does."""
    query = text.strip()[:200]
    # a bare USCC, or one inside the text ("某某公司（91620102…）", as the form pre-fills it)
    for candidate in [query.upper(), *_USCC_IN_TEXT.findall(query.upper())]:
        if not uscc_problem(candidate):
            ent = session.scalar(select(Enterprise).where(Enterprise.uscc == candidate))
            if ent is not None:
                return ent, "found"
    exact = session.scalars(select(Enterprise).where(Enterprise.name == query).limit(2)).all()
    if len(exact) == 1:
        return exact[0], "found"
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    like = session.scalars(
        select(Enterprise).where(Enterprise.name.like(pattern, escape="\\")).limit(2)
    ).all()
    if len(like) == 1 and len(query) >= 2:
        return like[0], "found"
    return None, "ambiguous" if like else "unknown"


def enterprise_label(session: Session, text: str) -> str:
    """How the form pre-fills the enterprise a page links from: "name（USCC）" when the USCC
    is in the registry (the reporter can see it is the right one), else the text as it is."""
    text = text.strip()[:200]
    ent = (
        session.scalar(select(Enterprise).where(Enterprise.uscc == text.upper()))
        if text and not uscc_problem(text.upper())
        else None
    )
    return f"{ent.name}（{ent.uscc}）" if ent is not None else text


def find_enterprise(session: Session, text: str) -> Enterprise:
    """The enterprise named by a USCC or by its (unique) name; Invalid otherwise."""
    ent, outcome = match_enterprise(session, text)
    if ent is not None:
        return ent
    message = (
        msg("名称对应多家企业，请填写统一社会信用代码")
        if outcome == "ambiguous"
        else msg("未找到该企业")
    )
    raise Invalid(message, {"enterprise": [message]})


def _reporter(data: TipOffInput, errors: dict[str, list[str]]) -> tuple[str | None, ...]:
    """Named reporters give a name plus a phone or e-mail; anonymous ones give nothing."""
    if data.anonymous:
        return None, None, None
    name, phone = clean_text(data.reporter_name), clean_text(data.reporter_phone)
    email = clean_text(data.reporter_email).lower()
    if not 1 <= len(name) <= 100:
        errors["reporter_name"] = [msg("实名举报须填写姓名（100 字以内）")]
    if phone and not _PHONE_RE.fullmatch(phone):
        errors["reporter_phone"] = [msg("电话号码格式不正确")]
    if email and (len(email) > 254 or not _EMAIL_RE.fullmatch(email)):
        errors["reporter_email"] = [msg("邮箱格式不正确")]
    if not phone and not email:
        errors["reporter_contact"] = [msg("实名举报须填写电话或邮箱")]
    return name, phone or None, email or None


def _notify(data: TipOffInput, email: str | None, errors: dict[str, list[str]]) -> str | None:
    """The address an anonymous reporter gave for news of the report (None: none asked for);
    a named reporter's news go to the e-mail they gave, which they must then give."""
    if not data.notify_email:
        return None
    if not data.anonymous:
        if not email and "reporter_email" not in errors:
            errors["notify_email"] = [msg("接收邮件通知须填写邮箱")]
        return None
    address = normalize_address(clean_text(data.notify_address))
    if address is None:
        errors["notify_address"] = [msg("接收邮件通知须填写有效的邮箱")]
    return address


def check_tipoff(session: Session, data: TipOffInput) -> dict[str, Any]:
    """Every rule a tip-off must meet (reads only); the stored values, or Invalid."""
    errors: dict[str, list[str]] = {
        name: [msg("不允许空字符")]
        for name, value in vars(data).items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:
        raise Invalid(msg("举报内容含有不允许的字符"), errors)
    values: dict[str, Any] = {"category": clean_text(data.category)}
    if values["category"] not in TIPOFF_CATEGORIES:
        errors["category"] = [msg("请从列表中选择举报类别")]
    values["description"] = clean_text(data.description)
    if not 10 <= len(values["description"]) <= 4000:
        errors["description"] = [msg("描述须为 10–4000 字")]
    values["location"] = clean_text(data.location)
    if not 1 <= len(values["location"]) <= 300:
        errors["location"] = [msg("须填写发生地点（300 字以内）")]
    values["latitude"], values["longitude"] = filing_point(data, errors)
    typed = clean_text(data.enterprise)[:200]
    matched = match_enterprise(session, typed) if typed else (None, "")
    place = filing_place(session, data, values, matched, errors)
    values.update(
        enterprise_id=place.enterprise_id,
        enterprise_name=place.enterprise_name,
        region_code=place.region_code,
        placement="unplaced" if place.unplaced else "placed",
        region_given=place.given,
    )
    name, phone, email = _reporter(data, errors)
    values.update(
        reporter_name=name,
        reporter_phone=phone,
        reporter_email=email,
        anonymous=bool(data.anonymous),
        notify_email=bool(data.notify_email) and not data.anonymous,
        notify_address=_notify(data, email, errors),
    )
    if errors:
        raise Invalid(msg("举报内容有误，请修改后重新提交"), errors)
    return values


def _unique_code(session: Session) -> str:
    for _ in range(8):
        code = new_tracking_code()
        if session.scalar(select(TipOff.id).where(TipOff.tracking_code == code)) is None:
            return code
    raise Conflict(msg("无法生成查询码，请重试"))


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
    region_given = values.pop("region_given")
    notify_address = values.pop("notify_address")
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
    if notify_address is not None:  # kept apart from the report, deleted on closure
        session.add(TipOffNotifyAddress(tipoff_id=tipoff.id, email=notify_address))
    if attachments:
        if upload_dir is None:
            raise ValueError("upload_dir is required with attachments")
        store_attachments(session, tipoff.id, attachments, upload_dir, existing=0)
    if region_given:
        flag_contradicted_region(session, tipoff)
    add_event(
        session,
        tipoff,
        "received",
        "system",
        at=now,
        public=msg("举报已收到，将在 %(n)s 日内作出是否受理的决定", n=ACCEPT_DAYS),
    )
    route_to_grid(session, tipoff)  # in a grid: a case in its members' queue
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
            "notify": bool(tipoff.notify_email or notify_address),
        },
    )
    return FiledTipOff(tipoff, code, secret)


def file_routed(
    session: Session, data: TipOffInput, triage_code: str | None, *, source: str
) -> tuple[FiledTipOff, bool]:
    """File a tip-off with its region found by ``placing.route_filing`` (Open311); returns
    it and whether it went unplaced to triage."""
    routed = route_filing(session, data, triage_code)
    return file_tipoff(session, routed, source=source), routed.unplaced


class FormRefused(Invalid):
    """The form's fields were refused; its files (checked and cleaned) are kept meanwhile."""

    def __init__(self, refused: Invalid, token: str | None, files: Sequence[KeptFile]) -> None:
        super().__init__(refused.message, refused.errors)
        #: the hidden field's value on the corrected form (None: nothing kept)
        self.token = token
        self.kept = list(files)


def file_with_uploads(
    session: Session,
    data: TipOffInput,
    uploads: Callable[[], Sequence[Upload]],
    *,
    upload_dir: str,
    source: str = "web",
    pending: str | None = None,
    drop: Collection[int] = (),
) -> FiledTipOff:
    """A tip-off from the form. Its fields are checked first, in a read-only session of
    their own (no write lock is held while images decode). Refused fields raise
    :class:`FormRefused`: the new uploads are still checked and cleaned, then kept with the
    ones kept before (``pending``, less the numbers in ``drop``), so the corrected form
    need not attach them again. Accepted fields: the kept and the new files are attached."""
    with read_only() as reader:
        try:
            check_tipoff(reader, data)
            refused = None
        except Invalid as exc:
            refused = exc
    before = [k for k in pending_files(upload_dir, pending) if k.index not in drop]
    if refused is not None:
        errors = dict(refused.errors or {})
        try:
            prepared = prepare_uploads(uploads())
        except Invalid as exc:  # said too; the files kept before stay kept
            errors.update(exc.errors or {})
            prepared = []
        if len(before) + len(prepared) > MAX_FILES:
            errors["attachments"] = [msg("每件举报最多 %(n)s 个附件", n=MAX_FILES)]
            prepared = []
        token = keep_pending(upload_dir, pending, prepared, drop)
        raise FormRefused(Invalid(refused.message, errors), token, pending_files(upload_dir, token))
    try:
        prepared = prepare_uploads(uploads())
        if len(before) + len(prepared) > MAX_FILES:
            message = msg("每件举报最多 %(n)s 个附件", n=MAX_FILES)
            raise Invalid(message, {"attachments": [message]})
    except Invalid as exc:  # a file refused: the ones kept before stay kept
        token = keep_pending(upload_dir, pending, (), drop)
        raise FormRefused(exc, token, pending_files(upload_dir, token)) from None
    files = [*take_pending(upload_dir, session, pending, drop), *prepared]
    return file_tipoff(session, data, attachments=files, upload_dir=upload_dir, source=source)
