"""From the change log to subscribers: new public penalties, rating changes and missed
disclosures of an enterprise reach the confirmed subscriptions that follow it (the
enterprise itself, its region or a parent region, its industry or a parent industry).

Instant subscriptions get one mail per batch of changes listing its events (one event: one
mail; an import of 1,000 penalties: one mail, not 1,000); weekly ones collect digest items,
which :class:`WeeklyDigest` mails once a week. Queueing is keyed by subscription and events,
so a batch applied twice (at-least-once) mails once; a penalty is an event at its first
upsert only; and a subscriber is told only of events that came after the subscription was
confirmed.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.changelog import ChangeLog
from core.clock import today as china_today
from core.consumers import Consumer
from core.db import utcnow
from core.messages import Msg, msg
from core.reference import Industry
from core.web import external_url
from credit.notify.letters import MAX_LINES, Letter, Line, Rendered, render_for_many
from credit.notify.models import DigestItem, Subscription
from credit.notify.outbox import mail_row, queue_mails
from credit.notify.subscriptions import Target, list_headers, target_label, unsubscribe_url
from credit.ratings.levels import level_name
from credit.ratings.models import CreditRating
from credit.records.models import Enterprise, Penalty
from credit.records.publication import public_on
from credit.records.snapshots import yuan


@dataclass(frozen=True)
class Event:
    """Something a subscriber may be told: which kind, once-only key, when, and its line."""

    kind: str
    key: str
    enterprise_id: int
    at: dt.datetime
    line: Line


def _penalty_events(session: Session, ids: Iterable[int]) -> list[Event]:
    rows = session.execute(
        select(Penalty, Enterprise.name)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(Penalty.id.in_(list(ids)), public_on(china_today()))
    ).all()
    events = []
    for penalty, name in rows:
        fine = yuan(penalty.fine_amount_fen)
        zh = f"{name}：{penalty.violation_type}（{penalty.decision_no}），罚款 {fine} 元"
        en = f"{name}: {penalty.violation_type} ({penalty.decision_no}), fine CNY {fine}"
        link = external_url("credit_pages.penalty", penalty_id=penalty.id)
        line = Line(zh, en, link)
        events.append(
            Event(
                "penalty", f"penalty:{penalty.id}", penalty.enterprise_id, penalty.created_at, line
            )
        )
    return events


def _rating_events(session: Session, usccs: Iterable[str]) -> list[Event]:
    from credit.ratings.loader import active_rulebook

    rule = active_rulebook().disclosure
    missing = rule.missing_id if rule is not None else None
    rows = session.execute(
        select(CreditRating, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == CreditRating.enterprise_id)
        .where(Enterprise.uscc.in_(list(usccs)), CreditRating.is_current)
    ).all()
    events: list[Event] = []
    for rating, uscc, name in rows:
        before = session.scalar(
            select(CreditRating)
            .where(
                CreditRating.enterprise_id == rating.enterprise_id,
                CreditRating.id != rating.id,
            )
            .order_by(CreditRating.created_at.desc(), CreditRating.id.desc())
            .limit(1)
        )
        link = external_url("credit_pages.enterprise", uscc=uscc)
        if before is not None and before.level != rating.level:
            line = Line(
                f"{name}：信用等级由{level_name(before.level)}变为{level_name(rating.level)}",
                f"{name}: credit level changed from {level_name(before.level, 'en')} "
                f"to {level_name(rating.level, 'en')}",
                link,
            )
            events.append(
                Event(
                    "rating", f"rating:{rating.id}", rating.enterprise_id, rating.created_at, line
                )
            )
        years = _missing_years(rating, missing) - (
            _missing_years(before, missing) if before else set()
        )
        for year in sorted(years):
            line = Line(
                f"{name}：{year} 年度环境信息依法披露报告未按期披露",
                f"{name}: no mandatory environmental disclosure report for {year}",
                link,
            )
            key = f"disclosure:{uscc}:{year}"
            events.append(Event("disclosure", key, rating.enterprise_id, rating.created_at, line))
    return events


def _missing_years(rating: CreditRating, missing_id: str | None) -> set[str]:
    """The report years a rating counts as not disclosed (its rule line's note names them)."""
    if missing_id is None:
        return set()
    years = set()
    for item in rating.explanation or ():
        if item.get("rule") == missing_id:
            note = str(item.get("note") or "")
            years.add(note[:4] if note[:4].isdigit() else note[:20])
    return years


def collect_events(session: Session, changes: Sequence[ChangeLog]) -> list[Event]:
    """The subscriber events among ``changes`` (upserts of penalties and ratings); a penalty
    is an event once, at its first upsert (a later correction is not a new penalty)."""
    penalties = [c for c in changes if c.entity == Penalty.entity and c.op == "upsert"]
    ratings = {c.entity_id for c in changes if c.entity == CreditRating.entity and c.op == "upsert"}
    events: list[Event] = []
    if penalties:
        corrected = _announced_before(session, penalties)
        events += _penalty_events(
            session, {int(c.entity_id) for c in penalties if c.entity_id not in corrected}
        )
    if ratings:
        events += _rating_events(session, ratings)
    return events


def _announced_before(session: Session, changes: Sequence[ChangeLog]) -> set[str]:
    """The penalties among ``changes`` upserted before them (their first upsert was the
    event); looked up by enterprise, whose change-log rows are indexed."""
    first = min(c.seq for c in changes)
    ids = {c.entity_id for c in changes}
    stmt = select(ChangeLog.entity_id).where(
        ChangeLog.entity == Penalty.entity,
        ChangeLog.op == "upsert",
        ChangeLog.seq < first,
        ChangeLog.entity_id.in_(ids),
    )
    enterprises = {c.enterprise_id for c in changes}
    if None not in enterprises:
        stmt = stmt.where(ChangeLog.enterprise_id.in_(enterprises))
    return set(session.scalars(stmt.distinct()))


def _industry_chain(session: Session, codes: set[str]) -> dict[str, set[str]]:
    """Each industry code with its parents (C2611 → C2611, C261, C26, C)."""
    parents = dict(session.execute(select(Industry.code, Industry.parent_code)).all())
    chains: dict[str, set[str]] = {}
    for code in codes:
        chain: set[str] = set()
        current: str | None = code
        while current and current not in chain:
            chain.add(current)
            current = parents.get(current)
        chains[code] = chain
    return chains


def _region_chain(code: str) -> set[str]:
    """A region code with its prefecture and province (620102 → 620102, 620100, 620000)."""
    return {code, code[:4] + "00", code[:2] + "0000"}


def matching(session: Session, events: Sequence[Event]) -> list[tuple[Subscription, list[Event]]]:
    """Each confirmed subscription following some of ``events``' enterprises, with the events
    it wants that happened after it was confirmed (oldest first).

    Subscriptions of the same target and events share one candidate list; each takes the
    part after its confirmation (so 10,000 followers of a district cost one pass)."""
    ids = {e.enterprise_id for e in events}
    ents = {
        row.id: row
        for row in session.execute(
            select(
                Enterprise.id, Enterprise.uscc, Enterprise.region_code, Enterprise.industry_code
            ).where(Enterprise.id.in_(ids))
        )
    }
    industries = _industry_chain(session, {e.industry_code for e in ents.values()})
    targets: dict[tuple[str, str], set[int]] = defaultdict(set)
    for eid, ent in ents.items():
        targets[("enterprise", ent.uscc)].add(eid)
        for code in _region_chain(ent.region_code):
            targets[("region", code)].add(eid)
        for code in industries[ent.industry_code]:
            targets[("industry", code)].add(eid)
    by_type: dict[str, set[str]] = defaultdict(set)
    for kind, code in targets:
        by_type[kind].add(code)
    subs = session.scalars(
        select(Subscription)
        .where(
            Subscription.status == "confirmed",
            Subscription.confirmed_at.is_not(None),
            or_(
                *(
                    and_(Subscription.target_type == kind, Subscription.target_code.in_(codes))
                    for kind, codes in by_type.items()
                )
            ),
        )
        .order_by(Subscription.id)
    ).all()
    ordered = sorted(events, key=lambda e: (e.at, e.key))
    candidates: dict[tuple[str, str, str], tuple[list[Event], list[dt.datetime]]] = {}
    matches = []
    for sub in subs:
        group = (sub.target_type, sub.target_code, sub.events)
        if group not in candidates:
            followed = targets[(sub.target_type, sub.target_code)]
            wanted = sub.events.split()
            chosen = [e for e in ordered if e.enterprise_id in followed and e.kind in wanted]
            candidates[group] = (chosen, [e.at for e in chosen])
        chosen, times = candidates[group]
        assert sub.confirmed_at is not None
        start = bisect_left(times, sub.confirmed_at)
        if start < len(chosen):
            matches.append((sub, chosen[start:]))
    return matches


def _target(sub: Subscription, names: dict[tuple[str, str], str]) -> Target:
    return Target(
        sub.target_type, sub.target_code, names.get((sub.target_type, sub.target_code), "")
    )


def event_letter(target: Target, events: Sequence[Event], unsubscribe: str | None) -> Letter:
    """An instant notification: the new events of what the subscriber follows, one mail for
    the events a batch of changes brought (an import of many penalties mails once)."""
    subjects: dict[str, Msg] = {
        "penalty": msg("新的行政处罚"),
        "rating": msg("信用等级变化"),
        "disclosure": msg("未按期披露环境信息"),
    }
    kinds = {e.kind for e in events}
    subject = subjects[events[0].kind] if len(kinds) == 1 else msg("新的公开信息")
    label = target_label(target)
    if len(events) == 1:
        intro = msg("您关注的%(target)s有新的公开信息：", target=label)
    else:
        intro = msg("您关注的%(target)s有 %(n)s 条新的公开信息：", target=label, n=len(events))
    closing: tuple[Msg, ...] = ()
    if len(events) > MAX_LINES:
        closing = (msg("另有 %(n)s 条未列出，请到平台查看。", n=len(events) - MAX_LINES),)
    return Letter(
        subject=subject + Msg("：", ": ") + target.name,
        paragraphs=(intro,),
        lines=tuple(e.line for e in events[:MAX_LINES]),
        closing=closing,
        unsubscribe_url=unsubscribe,
    )


def _dedupe_key(sub: Subscription, events: Sequence[Event]) -> str:
    """Once per subscription and event (or run of events: a batch applied twice mails once)."""
    key = f"sub:{sub.id}:{events[0].key}"
    return key if len(events) == 1 else f"{key}+{len(events) - 1}:{events[-1].key}"[:120]


def queue_for(session: Session, matches: Sequence[tuple[Subscription, list[Event]]]) -> None:
    """One instant mail per subscription, or weekly digest items, for the matched events
    (each once). Subscriptions told the same events share one rendering of the letter."""
    if not matches:
        return
    names = _target_names(session, {(s.target_type, s.target_code) for s, _ in matches})
    letters: dict[tuple[str, str, tuple[str, ...]], Callable[[str], Rendered]] = {}
    mails = []
    items = []
    for sub, events in matches:
        if sub.frequency == "instant":
            group = (sub.target_type, sub.target_code, tuple(e.key for e in events))
            if group not in letters:
                letters[group] = render_for_many(event_letter(_target(sub, names), events, None))
            url = unsubscribe_url(sub)
            mails.append(
                mail_row(
                    "notification",
                    sub.email,
                    letters[group](url),
                    dedupe_key=_dedupe_key(sub, events),
                    subscription_id=sub.id,
                    headers=list_headers(sub, url),
                )
            )
        else:
            items += [
                {
                    "subscription_id": sub.id,
                    "event_key": event.key,
                    "line_zh": event.line.zh[:500],
                    "line_en": event.line.en[:500],
                    "link": event.line.link[:500],
                    "created_at": utcnow(),
                }
                for event in events
            ]
    queue_mails(session, mails)
    if items:
        _insert_ignoring_duplicates(session, items)


def _insert_ignoring_duplicates(session: Session, items: list[dict[str, object]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    session.execute(dialect_insert(DigestItem).on_conflict_do_nothing(), items)


def _target_names(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    from core.reference import Region

    names: dict[tuple[str, str], str] = {}
    codes: dict[str, set[str]] = defaultdict(set)
    for kind, code in keys:
        codes[kind].add(code)
    for kind, column, model in (
        ("enterprise", Enterprise.uscc, Enterprise),
        ("region", Region.code, Region),
        ("industry", Industry.code, Industry),
    ):
        if codes[kind]:
            for code, name in session.execute(
                select(column, model.name).where(column.in_(codes[kind]))
            ):
                names[(kind, code)] = name
    return names


class SubscriptionFanout(Consumer):
    """Reads the change log and queues mails (or digest items) for matching subscriptions."""

    name = "subscriptions"
    #: one instant mail per subscription per batch: a large import mails each follower once
    #: per this many changes
    batch_size = 5000

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        if (
            session.scalar(
                select(Subscription.id).where(Subscription.status == "confirmed").limit(1)
            )
            is None
        ):
            return
        events = collect_events(session, changes)
        if events:
            queue_for(session, matching(session, events))
