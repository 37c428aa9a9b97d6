"""Publication periods that end: each day, penalties whose publication ended get a change-log
row, so partner mirrors delete them and their enterprises are rescored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changelog import claim_watermark, get_watermark, record_change, set_watermark
from core.clock import today as china_today
from core.consumers import Consumer
from core.db import get_db, writing
from credit.models import Penalty

NAME = "publication-expiry"
FIRST_RUN_DAYS = 30


def record_expired(session: Session, today: dt.date) -> int:
    """Change-log rows for penalties whose publish_until passed since the last run (once a
    day; the watermark holds the date of the last run as an ordinal)."""
    last = claim_watermark(session, NAME)  # locks the row: one worker per day
    if last is None or last >= today.toordinal():
        return 0
    since = dt.date.fromordinal(last) if last else today - dt.timedelta(days=FIRST_RUN_DAYS)
    rows = session.execute(select(Penalty.id, Penalty.enterprise_id).where(
        Penalty.publish_until > since, Penalty.publish_until <= today))
    count = 0
    for penalty_id, enterprise_id in rows:
        record_change(session, "penalty", penalty_id, enterprise_id=enterprise_id)
        count += 1
    set_watermark(session, NAME, today.toordinal())
    return count


class ExpiryConsumer(Consumer):
    """Runs record_expired at most once a day from the consumer threads or `flask worker`."""

    name = NAME

    def pending(self, session: Session) -> int:
        """1 until today's run is done."""
        return int(get_watermark(session, NAME) < china_today().toordinal())

    def run_once(self) -> int:
        with writing():
            session = get_db().new_session()
            try:
                count = record_expired(session, china_today())
                session.commit()
                return count
            finally:
                session.close()
