"""The latest penalty notices as a page and as an Atom feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _

from core.clock import today as china_today
from core.db import get_session
from credit.credit_file import latest_penalties
from credit.public import yuan
from disclosure.credit_pages import canonical_url

bp = Blueprint("feeds", __name__)
CHINA = dt.timezone(dt.timedelta(hours=8))


@bp.get("/penalties")
def penalties() -> Any:
    """The latest published penalty notices, newest first."""
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**62:
        before = None
    rows = latest_penalties(get_session(), china_today(), before, limit=30)
    more = rows[-1][0].id if len(rows) == 30 else None
    return render_template("disclosure/penalties.html", rows=rows, more=more, yuan=yuan)


@bp.get("/feeds/penalties.atom")
def penalties_atom() -> Response:
    """Atom feed of the 50 latest published penalty notices."""
    from feedgen.feed import FeedGenerator  # with lxml ~5 MB: loaded by the first feed request

    feed = FeedGenerator()
    feed.id(canonical_url("feeds.penalties_atom"))
    feed.title(_("行政处罚公示") + " · envcredit")
    feed.link(href=canonical_url("feeds.penalties_atom"), rel="self")
    feed.link(href=canonical_url("feeds.penalties"), rel="alternate")
    feed.language("zh-CN")
    feed.updated(dt.datetime.now(CHINA))
    for penalty, _uscc, name in reversed(latest_penalties(get_session(), china_today(),
                                                          limit=50)):
        entry = feed.add_entry()
        link = canonical_url("credit_pages.penalty", penalty_id=penalty.id)
        entry.id(link)
        entry.link(href=link)
        entry.title(f"{name}：{penalty.violation_type}（{penalty.decision_no}）")
        entry.summary(f"{penalty.facts} {_('罚款')} {yuan(penalty.fine_amount_fen)} "
                      f"{_('元')} · {penalty.authority}")
        moment = dt.datetime.combine(penalty.decision_date, dt.time(9), CHINA)
        entry.published(moment)
        entry.updated(moment)
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


__all__ = ["bp", "url_for"]
