"""Penalty notices for feeds: which are shown, newest change first, and when a feed changed.

A feed is one *scope* (extra SQL conditions on ``Penalty``/``Enterprise``: none for the
national feed; one enterprise or one region for the per-enterprise and per-region feeds
a later issue adds), always limited to the penalties public today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, not_, select
from sqlalchemy.orm import Session

from core.clock import CHINA
from credit.records.models import Enterprise, Penalty
from credit.records.publication import public_on

#: the change time of a feed that never had anything in it
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
Scope = Sequence[ColumnElement[bool]]


def china_midnight(day: dt.date) -> dt.datetime:
    """The moment a China calendar day starts (when a dated decision becomes public)."""
    return dt.datetime.combine(day, dt.time(0), CHINA)


@dataclass(frozen=True)
class Notice:
    """One public penalty as a feed entry."""

    penalty: Penalty
    uscc: str
    enterprise_name: str
    #: the decision day, 00:00 China time: the notice is public from then
    published: dt.datetime
    #: the record's last change, or ``published`` when that is later
    updated: dt.datetime


def _notice(penalty: Penalty, uscc: str, name: str) -> Notice:
    published = china_midnight(penalty.decision_date)
    return Notice(penalty, uscc, name, published, max(penalty.updated_at, published))


def _in_scope(today: dt.date, scope: Scope) -> Select[Penalty, str, str]:
    return (
        select(Penalty, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(public_on(today), *scope)
    )


def newest_notices(
    session: Session, today: dt.date, scope: Scope = (), limit: int = 50
) -> list[Notice]:
    """The ``limit`` public notices in ``scope`` that changed last, newest first.

    A notice's time is its record's last change, or its decision day when that is later
    (a penalty imported before its decision date appears on that day). The first query
    takes the newest changes; the second the notices whose decision day could still place
    them among those, so the result is exact with two bounded queries.
    """
    base = _in_scope(today, scope)
    rows = list(
        session.execute(
            base.order_by(Penalty.updated_at.desc(), Penalty.id.desc()).limit(limit)
        ).all()
    )
    if len(rows) == limit:
        oldest = rows[-1][0].updated_at.astimezone(CHINA).date()
        rows += session.execute(
            base.where(Penalty.decision_date >= oldest)
            .order_by(Penalty.decision_date.desc(), Penalty.id.desc())
            .limit(limit)
        ).all()
    notices = {penalty.id: _notice(penalty, uscc, name) for penalty, uscc, name in rows}
    ordered = sorted(notices.values(), key=lambda n: (n.updated, n.penalty.id), reverse=True)
    return ordered[:limit]


def feed_updated(
    session: Session, today: dt.date, notices: Sequence[Notice], scope: Scope = ()
) -> dt.datetime:
    """When the feed last changed: its newest notice, or a notice leaving it since.

    A notice leaves when its penalty is revoked, repaired or corrected out of view (the
    record's change time) or its publication period or a dated revocation or repair
    runs out (that day, 00:00 China time). Never the request time.
    """
    gone = not_(public_on(today))
    row = session.execute(
        select(
            func.max(Penalty.updated_at).filter(gone),
            func.max(Penalty.publish_until).filter(Penalty.publish_until <= today),
            func.max(Penalty.revoked_at).filter(Penalty.revoked_at <= today),
            func.max(Penalty.repaired_at).filter(Penalty.repaired_at <= today),
        )
        .join(Enterprise, Enterprise.id == Penalty.enterprise_id)
        .where(*scope)
    ).one()
    changed, *days = row
    moments = [n.updated for n in notices] + [china_midnight(d) for d in days if d]
    if changed is not None:
        moments.append(changed)
    return max(moments, default=EPOCH)


def enterprises_changed(session: Session, notices: Sequence[Notice]) -> dt.datetime:
    """The newest change of the enterprises the notices name (their names are shown)."""
    ids = {n.penalty.enterprise_id for n in notices}
    if not ids:
        return EPOCH
    newest = session.scalar(select(func.max(Enterprise.updated_at)).where(Enterprise.id.in_(ids)))
    return newest or EPOCH


@dataclass(frozen=True)
class Feed:
    """What a penalty feed shows: its notices, when it last changed, and when anything it
    shows last changed (its notices or the enterprises they name: a rename changes it)."""

    notices: list[Notice]
    updated: dt.datetime
    last_modified: dt.datetime


def feed_contents(session: Session, today: dt.date, scope: Scope = (), limit: int = 50) -> Feed:
    """The feed of the ``limit`` public notices in ``scope`` that changed last."""
    notices = newest_notices(session, today, scope, limit=limit)
    updated = feed_updated(session, today, notices, scope)
    return Feed(notices, updated, max(updated, enterprises_changed(session, notices)))


def enterprise_scope(session: Session, uscc: str) -> tuple[Enterprise, Scope]:
    """One enterprise (NotFound when there is none) and the scope of its penalty notices."""
    from credit.records.listing import get_enterprise

    ent = get_enterprise(session, uscc)
    return ent, (Penalty.enterprise_id == ent.id,)


def region_scope(session: Session, code: str) -> tuple[str, str, Scope]:
    """A region (its code and name; NotFound when unknown) and the scope of the penalty
    notices of the enterprises in it (its districts included)."""
    from core.errors import NotFound
    from core.messages import msg
    from core.reference import Region, region_prefix

    region = session.get(Region, code) if code.isdigit() and len(code) == 6 else None
    if region is None:
        raise NotFound(msg("未知的行政区划代码：%(code)s", code=code[:12]))
    prefix = region_prefix(region.code)
    return region.code, region.name, (Enterprise.region_code.startswith(prefix, autoescape=True),)


def industry_scope(session: Session, code: str) -> tuple[str, str, Scope]:
    """An industry (its code and name; Invalid naming what is wrong) and the scope of the
    penalty notices of the enterprises in it (its sub-industries included)."""
    from core.reference import Industry, resolve_industry

    industry = resolve_industry(session, code)
    codes = [industry.code]
    frontier = [industry.code]
    while frontier:  # GB/T 4754 has four levels: at most three more queries
        frontier = list(
            session.scalars(select(Industry.code).where(Industry.parent_code.in_(frontier)))
        )
        codes += frontier
    return industry.code, industry.name, (Enterprise.industry_code.in_(codes),)
