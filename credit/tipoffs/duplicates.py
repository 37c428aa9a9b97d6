"""Duplicate tip-offs, both sides: "is this the same?" while filing, and likely duplicates
flagged for the regulator (then merged in one confirmed action, ``credit.tipoffs.merging``).

While filing (form, API, Open311): open, unmerged reports received in the last
``WINDOW_DAYS`` days that name the same registered enterprise or lie within ``RADIUS_KM`` of
the new report's point (measured on the rounded public coordinates, as ``nearby`` does) are
shown as public summaries only. On the form the citizen may then add their information to
one of them (``supplement_existing``) and follow the enterprise or the region by e-mail
(``credit.notify`` subscriptions) instead of filing a new report.

For the regulator a pair is a likely duplicate (:func:`decide`) when both are of the same
category, filed within ``WINDOW_DAYS`` of each other, and either name the same enterprise,
or lie within ``RADIUS_KM`` with texts at least ``NEAR_SIMILARITY`` alike, or (one without
coordinates) have texts at least ``TEXT_SIMILARITY`` alike in the same region. Text
similarity: ``credit.tipoffs.similarity``; precision and recall on a labelled set are stated
in ``tests/credit/test_duplicates.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import read_only, utcnow
from core.errors import Conflict, Invalid
from core.messages import Msg, msg
from core.users import User
from credit.notify.subscriptions import SubscriptionInput, Target, resolve_target, subscribe
from credit.records.models import Enterprise
from credit.records.nearby import Near, Where, distance_km
from credit.tipoffs.attachments import MAX_FILES, Upload, prepare_uploads, store_attachments
from credit.tipoffs.codes import normalize_code
from credit.tipoffs.filing import (
    FiledTipOff,
    FormRefused,
    TipOffInput,
    check_tipoff,
    file_routed,
    file_tipoff,
)
from credit.tipoffs.models import Attachment, DuplicateDismissal, TipOff, TipOffEvent
from credit.tipoffs.nearby import OPEN, NearbyTipOff, nearest_first
from credit.tipoffs.pending import KeptFile
from credit.tipoffs.pending import keep as keep_pending
from credit.tipoffs.pending import kept as pending_files
from credit.tipoffs.pending import take as take_pending
from credit.tipoffs.public import public_distances
from credit.tipoffs.similarity import jaccard, normalize, shingles
from credit.tipoffs.timeline import add_event
from credit.tipoffs.tracking import MAX_INFO_EVENTS
from credit.tipoffs.vocabulary import FINAL
from credit.tipoffs.workflow import (
    QueueFilter,
    QueuePage,
    actor_of,
    get_tipoff,
    list_queue,
    scope_condition,
    tipoff_detail,
)

#: reports received this many days apart (or fewer) may be about the same problem
WINDOW_DAYS = 30
#: reports this close (km) may be about the same place
RADIUS_KM = 0.5
#: text similarity enough for two nearby reports of the same category
NEAR_SIMILARITY = 0.10
#: text similarity enough on its own (a report without coordinates, in the same region)
TEXT_SIMILARITY = 0.35
#: suggestions shown while filing, nearest first
MAX_SUGGESTIONS = 10
#: candidates compared per report on the regulator side (newest first)
MAX_POOL = 2000


# -- while filing ---------------------------------------------------------------------------


def filing_candidates(
    session: Session,
    *,
    latitude: Any,
    longitude: Any,
    enterprise_id: int | None,
    now: dt.datetime | None = None,
    exclude: int | None = None,
) -> list[NearbyTipOff]:
    """Open, unmerged reports received in the last WINDOW_DAYS days within RADIUS_KM of the
    (WGS-84) point or naming the enterprise: public summaries, nearest first."""
    since = (now or utcnow()) - dt.timedelta(days=WINDOW_DAYS)
    conds: list[Any] = [*OPEN, TipOff.created_at >= since]
    if exclude is not None:
        conds.append(TipOff.id != exclude)
    distances: dict[int, float | None] = {}
    if latitude is not None and longitude is not None:
        circle = Near(float(latitude), float(longitude), RADIUS_KM)
        distances = public_distances(session, Where(near=circle), conds)
    about: set[int] = set()
    if enterprise_id is not None:
        about = set(
            session.scalars(select(TipOff.id).where(TipOff.enterprise_id == enterprise_id, *conds))
        )
    return nearest_first(session, distances, about, MAX_SUGGESTIONS)


def candidates_for_input(session: Session, data: TipOffInput) -> list[NearbyTipOff]:
    """The suggestions for a tip-off as typed (its rules checked first: Invalid)."""
    values = check_tipoff(session, data)
    return filing_candidates(
        session,
        latitude=values["latitude"],
        longitude=values["longitude"],
        enterprise_id=values["enterprise_id"],
    )


def candidates_for_filed(session: Session, tipoff: TipOff) -> list[NearbyTipOff]:
    """The suggestions for a report just filed (API, Open311): itself excluded."""
    return filing_candidates(
        session,
        latitude=tipoff.latitude,
        longitude=tipoff.longitude,
        enterprise_id=tipoff.enterprise_id,
        now=tipoff.created_at,
        exclude=tipoff.id,
    )


@dataclass(frozen=True)
class Held:
    """A form held back at the "is this the same?" step: the suggestions, and the token of
    the files kept meanwhile (None: no files)."""

    candidates: list[NearbyTipOff]
    token: str | None
    kept: list[KeptFile]


def hold_if_duplicates(
    data: TipOffInput,
    uploads: Callable[[], Sequence[Upload]],
    *,
    upload_dir: str,
    pending: str | None = None,
    drop: Collection[int] = (),
) -> Held | None:
    """The form's first submit: None when it may be filed at once (no suggestion, or its
    fields are refused, which filing then says); else the suggestions, with the new uploads
    checked, cleaned and kept beside those kept before, so the next step need not attach
    them again. Reads only (its own read-only session)."""
    with read_only() as reader:
        try:
            candidates = candidates_for_input(reader, data)
        except Invalid:
            return None
    if not candidates:
        return None
    before = [k for k in pending_files(upload_dir, pending) if k.index not in drop]
    try:
        prepared = prepare_uploads(uploads())
        if len(before) + len(prepared) > MAX_FILES:
            message = msg("每件举报最多 %(n)s 个附件", n=MAX_FILES)
            raise Invalid(message, {"attachments": [message]})
    except Invalid as exc:
        token = keep_pending(upload_dir, pending, (), drop)
        raise FormRefused(exc, token, pending_files(upload_dir, token)) from None
    token = keep_pending(upload_dir, pending, prepared, drop)
    return Held(candidates, token, pending_files(upload_dir, token))


@dataclass(frozen=True)
class Supplemented:
    """The citizen's information went to ``tracking_code``; ``followed``: the enterprise or
    region now waiting for the e-mail's confirmation (None: no e-mail given)."""

    tracking_code: str
    followed: Target | None


def _follow_target(session: Session, enterprise_id: int | None, region: str | None) -> Any:
    if enterprise_id is not None:
        ent = session.get(Enterprise, enterprise_id)
        if ent is not None:
            return SubscriptionInput("", enterprise_uscc=ent.uscc)
    if region:
        return SubscriptionInput("", region_code=region)
    return None


def supplement_existing(
    session: Session,
    data: TipOffInput,
    tracking_code: str,
    *,
    email: str = "",
    upload_dir: str,
    pending: str | None = None,
    drop: Collection[int] = (),
    now: dt.datetime | None = None,
) -> Supplemented:
    """The citizen says "这是同一件事": add their description (and kept files, within the
    limit) to one of the reports suggested for their input, and with an e-mail follow the
    enterprise they named (else the region) by a subscription waiting for confirmation.

    The addition is a ``reporter_info`` step whose words are for the handling regulator only
    (the other reporter sees that someone added information, never what: words can identify
    their writer); the citizen's identity is not kept with it."""
    values = check_tipoff(session, data)
    code = normalize_code(tracking_code)
    suggested = filing_candidates(
        session,
        latitude=values["latitude"],
        longitude=values["longitude"],
        enterprise_id=values["enterprise_id"],
        now=now,
    )
    if code is None or code not in {c.summary.tracking_code for c in suggested}:
        message = msg("请从列出的举报中选择一件")
        raise Invalid(message, {"duplicate_of": [message]})
    target = session.scalar(select(TipOff).where(TipOff.tracking_code == code).with_for_update())
    assert target is not None
    count = session.scalar(
        select(func.count())
        .select_from(TipOffEvent)
        .where(TipOffEvent.tipoff_id == target.id, TipOffEvent.kind == "reporter_info")
    )
    if (count or 0) >= MAX_INFO_EVENTS:
        raise Conflict(msg("补充信息次数已达上限"))
    followed: Target | None = None
    if email.strip():
        wanted = _follow_target(session, values["enterprise_id"], values["region_code"])
        if wanted is None:
            message = msg("无法确定要关注的企业或地区")
            raise Invalid(message, {"email": [message]})
        sub = SubscriptionInput(
            email, enterprise_uscc=wanted.enterprise_uscc, region_code=wanted.region_code
        )
        followed = resolve_target(session, sub)
        subscribe(session, sub)
    files = take_pending(upload_dir, session, pending, drop)
    existing = (
        session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.tipoff_id == target.id)
        )
        or 0
    )
    room = max(0, MAX_FILES - existing)
    if files[:room]:
        store_attachments(session, target.id, files[:room], upload_dir, existing=existing)
    place = values["location"]
    add_event(
        session,
        target,
        "reporter_info",
        "reporter",
        at=now,
        public=msg("其他群众就同一问题补充了信息"),
        internal=f"{values['description']}\n（{place}）",
    )
    audit(
        session,
        "public",
        "tipoff.supplement",
        f"tipoff:{target.id}",
        {"attachments": len(files[:room]), "follow": followed is not None},
    )
    return Supplemented(target.tracking_code, followed)


# -- the regulator's side -----------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """Why two reports look alike: same enterprise, distance (m; None without both points),
    text similarity (0–1), and the verdict."""

    likely: bool
    same_enterprise: bool
    distance_m: int | None
    similarity: float


def decide(
    *,
    same_category: bool,
    same_enterprise: bool,
    distance_m: float | None,
    days: float,
    similarity: float,
    same_region: bool = True,
) -> bool:
    """Whether two reports are likely about the same problem (see the module's text)."""
    if not same_category or abs(days) > WINDOW_DAYS:
        return False
    if same_enterprise:
        return True
    if distance_m is not None:
        return distance_m <= RADIUS_KM * 1000 and similarity >= NEAR_SIMILARITY
    return same_region and similarity >= TEXT_SIMILARITY


def _enterprise_key(t: TipOff) -> str | None:
    if t.enterprise_id is not None:
        return f"id:{t.enterprise_id}"
    return f"name:{normalize(t.enterprise_name)}" if t.enterprise_name else None


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the judgement reads of a report, read once (ORM attributes are slow to read in
    a loop over thousands of pairs)."""

    id: int
    category: str
    at: float
    lat: float | None
    lon: float | None
    enterprise: str | None
    region: str | None
    grams: frozenset[str]


def _facts(t: TipOff) -> _Facts:
    has_point = t.latitude is not None and t.longitude is not None
    return _Facts(
        t.id,
        t.category,
        t.created_at.timestamp(),
        float(t.latitude) if has_point else None,  # type: ignore[arg-type]
        float(t.longitude) if has_point else None,  # type: ignore[arg-type]
        _enterprise_key(t),
        t.region_code,
        shingles(t.description),
    )


def _judge(a: _Facts, b: _Facts) -> Judgement:
    same_enterprise = a.enterprise is not None and a.enterprise == b.enterprise
    distance = None
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        distance = round(distance_km(a.lat, a.lon, b.lat, b.lon) * 1000)
    similarity = round(jaccard(a.grams, b.grams), 2)
    likely = decide(
        same_category=a.category == b.category,
        same_enterprise=same_enterprise,
        distance_m=distance,
        days=(a.at - b.at) / 86400,
        similarity=similarity,
        same_region=a.region == b.region,
    )
    return Judgement(likely, same_enterprise, distance, similarity)


def compare(a: TipOff, b: TipOff) -> Judgement:
    """The judgement on two stored reports (exact coordinates: regulators only)."""
    return _judge(_facts(a), _facts(b))


@dataclass(frozen=True)
class LikelyDuplicate:
    """Another report of the user's region that looks like the same problem."""

    tipoff: TipOff
    judgement: Judgement


def _pool(session: Session, user: User, around: Sequence[TipOff]) -> list[TipOff]:
    """Unmerged, not rejected reports in scope, filed within WINDOW_DAYS of any of ``around``."""
    if not around:
        return []
    window = dt.timedelta(days=WINDOW_DAYS)
    first = min(t.created_at for t in around) - window
    last = max(t.created_at for t in around) + window
    return list(
        session.scalars(
            select(TipOff)
            .where(
                scope_condition(user),
                TipOff.duplicate_of_id.is_(None),
                TipOff.status != "rejected",
                TipOff.created_at.between(first, last),
                TipOff.category.in_({t.category for t in around}),
            )
            .order_by(TipOff.created_at.desc(), TipOff.id.desc())
            .limit(MAX_POOL)
        )
    )


def likely_duplicates(session: Session, user: User, tipoff_id: int) -> list[LikelyDuplicate]:
    """Reports of the user's region likely about the same problem as ``tipoff_id``: most
    alike first (same enterprise, then nearest, then the most similar text); none for a
    report already closed, rejected or merged."""
    tipoff = get_tipoff(session, user, tipoff_id)
    return _flags(session, user, [tipoff]).get(tipoff.id, [])


def _flags(
    session: Session, user: User, tipoffs: Sequence[TipOff]
) -> dict[int, list[LikelyDuplicate]]:
    pool = _pool(session, user, [t for t in tipoffs if t.duplicate_of_id is None])
    dismissed = _dismissed(session, [t.id for t in tipoffs])
    window = WINDOW_DAYS * 86400
    facts = {t.id: _facts(t) for t in [*pool, *tipoffs]}
    out: dict[int, list[LikelyDuplicate]] = {}
    for t in tipoffs:
        if t.duplicate_of_id is not None or t.status in FINAL:
            continue
        mine = facts[t.id]
        found = []
        for other in pool:
            theirs = facts[other.id]
            if theirs.id == mine.id or theirs.category != mine.category:
                continue
            if abs(theirs.at - mine.at) > window or _pair(mine.id, theirs.id) in dismissed:
                continue
            judgement = _judge(mine, theirs)
            if judgement.likely:
                found.append(LikelyDuplicate(other, judgement))
        found.sort(
            key=lambda d: (
                not d.judgement.same_enterprise,
                d.judgement.distance_m if d.judgement.distance_m is not None else 10**9,
                -d.judgement.similarity,
                d.tipoff.id,
            )
        )
        if found:
            out[t.id] = found
    return out


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _dismissed(session: Session, ids: Sequence[int]) -> set[tuple[int, int]]:
    """The pairs said "not the same problem" that involve any of ``ids``."""
    if not ids:
        return set()
    rows = session.execute(
        select(DuplicateDismissal.low_id, DuplicateDismissal.high_id).where(
            or_(DuplicateDismissal.low_id.in_(ids), DuplicateDismissal.high_id.in_(ids))
        )
    )
    return {(low, high) for low, high in rows}


def dismiss_flag(session: Session, user: User, tipoff_id: int, other_id: int) -> TipOff:
    """The regulator says "不是同一问题": the pair is not flagged again (both reports in
    the user's region)."""
    tipoff = get_tipoff(session, user, tipoff_id)
    other = get_tipoff(session, user, other_id)
    if other.id == tipoff.id:
        message = msg("不能与自身比较")
        raise Invalid(message, {"other": [message]})
    low, high = _pair(tipoff.id, other.id)
    exists = session.scalar(
        select(DuplicateDismissal.id).where(
            DuplicateDismissal.low_id == low, DuplicateDismissal.high_id == high
        )
    )
    if exists is None:
        session.add(DuplicateDismissal(low_id=low, high_id=high, user_id=user.id))
        session.flush()
        audit(
            session,
            actor_of(user),
            "tipoff.not_duplicate",
            f"tipoff:{tipoff.id}",
            {"other": other.id},
        )
    return tipoff


def queue_flags(session: Session, user: User, tipoffs: Sequence[TipOff]) -> dict[int, int]:
    """For a queue page: report id → how many likely duplicates it has (absent: none)."""
    return {k: len(v) for k, v in _flags(session, user, tipoffs).items()}


def reasons(judgement: Judgement) -> list[Msg]:
    """Why a pair is flagged, in words for the regulator's pages."""
    out = []
    if judgement.same_enterprise:
        out.append(msg("同一企业"))
    if judgement.distance_m is not None:
        out.append(msg("相距约 %(m)s 米", m=judgement.distance_m))
    out.append(msg("描述相似度 %(s)s", s=f"{judgement.similarity:.2f}"))
    return out


def queue_with_flags(
    session: Session, user: User, filters: QueueFilter, today: dt.date
) -> tuple[QueuePage, dict[int, int]]:
    """The regulator's queue page, and for each open report on it how many likely
    duplicates it has (absent: none)."""
    page = list_queue(session, user, filters, today)
    return page, queue_flags(session, user, [row.tipoff for row in page.rows])


def detail_with_duplicates(session: Session, user: User, tipoff_id: int) -> dict[str, Any]:
    """``workflow.tipoff_detail`` plus ``likely``: its likely duplicates (open, unmerged
    reports only are flagged)."""
    data = tipoff_detail(session, user, tipoff_id)
    data["likely"] = _flags(session, user, [data["tipoff"]]).get(tipoff_id, [])
    return data


def file_with_suggestions(
    session: Session, data: TipOffInput, *, source: str, upload_dir: str | None = None
) -> tuple[FiledTipOff, list[NearbyTipOff]]:
    """File a tip-off (API) and list the open reports it may duplicate: machines file at
    once and get the suggestions with the receipt."""
    filed = file_tipoff(session, data, source=source, upload_dir=upload_dir)
    return filed, candidates_for_filed(session, filed.tipoff)


def file_routed_with_suggestions(
    session: Session, data: TipOffInput, triage_code: str | None, *, source: str
) -> tuple[FiledTipOff, bool, list[NearbyTipOff]]:
    """``filing.file_routed`` (Open311) with the suggestions of :func:`file_with_suggestions`."""
    filed, unplaced = file_routed(session, data, triage_code, source=source)
    return filed, unplaced, candidates_for_filed(session, filed.tipoff)
