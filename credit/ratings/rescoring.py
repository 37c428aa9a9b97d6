"""Rescoring: rate enterprises set-wise and store a new current rating where it changed."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Text, case, cast, select, update
from sqlalchemy.orm import Session

from core.changelog import PENDING as PENDING_CHANGES
from core.changelog import ChangeLog, record_change
from core.clock import today as china_today
from core.consumers import Consumer, read_coalesced
from core.db import get_db, reset_write_intent, set_write_intent, utcnow
from credit.kinds import RATED_ENTITIES
from credit.ratings.engine import Rating, explanation_digest, rate, rating_to_json
from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.loader import active_rulebook
from credit.ratings.models import CreditRating
from credit.ratings.rules import Rulebook
from credit.records.models import Enterprise


@dataclass(frozen=True, slots=True)
class RescoreResult:
    rated: int
    changed: int


def _stored(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    """enterprise_id → its current rating as a plain row, for one chunk (one indexed query).

    The explanation's JSON text is read only for rows without a digest (older rows)."""
    rows = session.connection().execute(
        select(
            CreditRating.enterprise_id,
            CreditRating.id,
            CreditRating.score,
            CreditRating.level,
            CreditRating.computed_level,
            CreditRating.rulebook_version,
            CreditRating.adjustment_id,
            CreditRating.vetoed,
            CreditRating.explanation_digest,
            case(
                (CreditRating.explanation_digest.is_(None), cast(CreditRating.explanation, Text)),
                else_=None,
            ),
        ).where(CreditRating.enterprise_id.in_(ids), CreditRating.is_current)
    )
    return {r[0]: r[1:] for r in rows.all()}


def _usccs(session: Session, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.connection().execute(
        select(Enterprise.id, Enterprise.uscc).where(Enterprise.id.in_(ids))
    )
    return {eid: uscc for eid, uscc in rows}


def _same(stored: Any, new: Rating, digest: str) -> bool:
    """Unchanged? By digest; rows from before digests compare the explanation as JSON."""
    if stored is None or tuple(stored[1:7]) != (
        new.score,
        new.level,
        new.computed_level,
        new.rulebook_version,
        new.adjustment_id,
        new.vetoed,
    ):
        return False
    if stored[7] is not None:
        return bool(stored[7] == digest)
    text = stored[8]
    explanation = rating_to_json(new)
    if not isinstance(text, str):  # a driver that decodes JSON itself
        return bool(text == explanation)
    return text == json.dumps(explanation) or json.loads(text) == explanation


Rows = list[dict[str, Any]]


def _changes(session: Session, ratings: list[tuple[int, Rating]]) -> tuple[Rows, list[int]]:
    """New rating rows for the ratings that differ from the stored ones, and the ids of the
    stored rows they replace (reads only)."""
    stored = _stored(session, [eid for eid, _ in ratings])
    rows, retire = [], []
    for enterprise_id, rating in ratings:
        current = stored.get(enterprise_id)
        digest = explanation_digest(rating.explanation)
        if _same(current, rating, digest):
            continue
        if current is not None:
            retire.append(current[0])
        rows.append(
            {
                "enterprise_id": enterprise_id,
                "as_of": rating.as_of,
                "rulebook_version": rating.rulebook_version,
                "score": rating.score,
                "level": rating.level,
                "computed_level": rating.computed_level,
                "explanation": rating_to_json(rating),
                "explanation_digest": digest,
                "adjustment_id": rating.adjustment_id,
                "vetoed": rating.vetoed,
                "is_current": True,
            }
        )
    return rows, retire


def _record_rated(session: Session, usccs: dict[int, str]) -> None:
    """Change-log rows for new current ratings: the rating, and the enterprise, whose
    snapshot embeds the level, score and rated_as_of (partner mirrors read them there).

    The enterprise row's updated_at moves with them. Its change carries no enterprise_id
    (which would make the rescoring consumer rate it again, to no effect) unless the
    enterprise itself changed in this transaction too.
    """
    if not usccs:
        return
    pending = session.info.get(PENDING_CHANGES, {})
    for enterprise_id, uscc in usccs.items():
        record_change(session, CreditRating.entity, uscc, enterprise_id=enterprise_id)
        marked = pending.get(("enterprise", uscc))
        record_change(session, Enterprise.entity, uscc, enterprise_id=marked[1] if marked else None)
    session.execute(
        update(Enterprise).where(Enterprise.id.in_(list(usccs))).values(updated_at=utcnow())
    )


def _apply(session: Session, rows: Rows, retire: list[int]) -> int:
    """Store new current ratings (retiring the old ones) with their change-log rows."""
    _record_rated(session, _usccs(session, {row["enterprise_id"] for row in rows}))
    if retire:
        session.execute(
            update(CreditRating)
            .where(CreditRating.id.in_(retire))
            .values(is_current=False)
            .execution_options(synchronize_session=False)
        )
    if rows:
        session.connection().execute(CreditRating.__table__.insert(), rows)
    return len(rows)


def _rated(
    session: Session, facts: Iterable[Any], as_of: dt.date, rulebook: Rulebook, chunk: int
) -> Iterator[tuple[int, Rows, list[int]]]:
    """(how many rated, new rows, retired ids) per chunk of enterprises' facts."""
    batch: list[tuple[int, Rating]] = []
    for f in facts:
        batch.append((f.enterprise_id, rate(f, rulebook, as_of)))
        if len(batch) >= chunk:
            yield len(batch), *_changes(session, batch)
            batch = []
    if batch:
        yield len(batch), *_changes(session, batch)


def rescore(
    session: Session,
    enterprise_ids: Collection[int] | None,
    as_of: dt.date,
    rulebook: Rulebook,
    advance: Callable[[int], None] | None = None,
    chunk: int = 2000,
    jobs: int = 1,
) -> RescoreResult:
    """Rate ``enterprise_ids`` (None = all) and store a new current rating where it changed.

    A handful of queries per chunk of enterprises; flushes, does not commit. With ``jobs``
    > 1 (everyone only), that many forked processes read and rate slices of the enterprises
    in parallel and hand back only what changed; this session writes it all, so the result
    is one transaction either way. Those processes see committed data only: call it with
    ``jobs`` > 1 only when this session has written nothing that could move a rating.
    """
    horizon = Horizon.for_rulebook(as_of, rulebook.lookback_days)
    if jobs > 1 and enterprise_ids is None:
        parts: Iterable[tuple[int, Rows, list[int]]] = _forked(
            session, as_of, rulebook, horizon, chunk, jobs
        )
    else:
        parts = _rated(
            session,
            load_facts(session, enterprise_ids, chunk=chunk, horizon=horizon),
            as_of,
            rulebook,
            chunk,
        )
    rated = changed = 0
    for count, rows, retire in parts:
        changed += _apply(session, rows, retire)
        rated += count
        if advance:
            advance(count)
    return RescoreResult(rated, changed)


#: what a forked rescoring process inherits from its parent (set just before the fork)
_FORK: dict[str, Any] = {}
SLICE = 10_000  # enterprises per task of a parallel rescore


def _forked(
    session: Session, as_of: dt.date, rulebook: Rulebook, horizon: Horizon, chunk: int, jobs: int
) -> Iterator[tuple[int, Rows, list[int]]]:
    ids = (
        session.connection().execute(select(Enterprise.id).order_by(Enterprise.id)).scalars().all()
    )
    slices = [(ids[i], ids[min(i + SLICE, len(ids)) - 1]) for i in range(0, len(ids), SLICE)]
    _FORK.update(
        app=current_app._get_current_object(),  # type: ignore[attr-defined]  # a LocalProxy
        as_of=as_of,
        rulebook=rulebook,
        horizon=horizon,
        chunk=chunk,
    )
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, max(1, len(slices))), initializer=_forked_init) as pool:
        yield from pool.imap_unordered(_rate_slice, slices)


def _forked_init() -> None:
    # the parent's pooled connections must not be shared: open new ones in this process
    _FORK["app"].extensions["envcredit.db"].engine.dispose(close=False)


def _rate_slice(bounds: tuple[int, int]) -> tuple[int, Rows, list[int]]:
    """In a forked process: rate enterprises with ids in ``bounds``; what changed (reads only)."""
    # reads only: never BEGIN IMMEDIATE here, even when the parent was writing at the fork
    # (it holds SQLite's write lock until it commits what these processes hand back)
    token = set_write_intent(False)
    with _FORK["app"].app_context():
        session = get_db().new_session()
        try:
            facts = load_facts(
                session, None, chunk=_FORK["chunk"], horizon=_FORK["horizon"], id_range=bounds
            )
            rated, rows, retire = 0, [], []
            for count, new, old in _rated(
                session, facts, _FORK["as_of"], _FORK["rulebook"], _FORK["chunk"]
            ):
                rated += count
                rows.extend(new)
                retire.extend(old)
            return rated, rows, retire
        finally:
            session.close()
            reset_write_intent(token)


def dirty_enterprises(changes: Iterable[Any]) -> set[int]:
    """Enterprises whose rating may have moved because of these changes."""
    return {d for d in map(_dirty, changes) if d is not None}


def _dirty(change: Any) -> int | None:
    return change.enterprise_id if change.entity in RATED_ENTITIES else None


class RescoringConsumer(Consumer):
    """Re-rates the enterprises touched by new change-log rows (the dirty set)."""

    name = "rescoring"
    #: enterprises rescored per batch (at most, plus one page of change rows' worth): the
    #: change rows of many transactions (a day of hourly readings) are read until that many
    #: enterprises are dirty, so each is rescored once, not once per 5,000 change rows
    batch_size = 5000
    #: change rows read per query
    page = 5000

    def __init__(self, rulebook_name: str) -> None:
        self.rulebook_name = rulebook_name

    def read_batch(self, session: Session, after: int) -> Sequence[Any]:
        return read_coalesced(session, after, _dirty, self.batch_size, self.page)

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        dirty = dirty_enterprises(changes)
        if dirty:
            rescore(session, dirty, china_today(), active_rulebook(self.rulebook_name))
