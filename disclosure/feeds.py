"""The latest penalty notices as a page and as an Atom feed (RFC 4287).

A feed is :func:`penalty_feed` of a scope (SQL conditions, see ``credit.records.notices``): the
national feed has none; per-enterprise and per-region feeds are one route each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _

from core.clock import CHINA
from core.clock import today as china_today
from core.db import get_session
from core.i18n import DEFAULT_LOCALE, html_lang
from core.web import external_url
from core.xmltext import xml_text
from credit.records.credit_file import latest_penalties
from credit.records.notices import (
    Notice,
    Scope,
    enterprise_scope,
    feed_contents,
    industry_scope,
    region_scope,
)
from credit.records.snapshots import yuan

bp = Blueprint("feeds", __name__)
#: feeds may be cached this long (seconds) before a reader revalidates (ETag, Last-Modified)
MAX_AGE = 300
FEED_SIZE = 50
#: RFC 4151 taggingEntity: a DNS name or an e-mail address, a comma, a date
TAGGING_ENTITY = re.compile(
    r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|[^@\s,:]+@[a-z0-9.-]+),"
    r"\d{4}(?:-\d{2}(?:-\d{2})?)?$",
    re.IGNORECASE,
)


@bp.record_once
def _check_tag_authority(state: BlueprintSetupState) -> None:
    value = state.app.config.get("FEED_TAG_AUTHORITY") or ""
    if not TAGGING_ENTITY.match(value):
        raise ValueError(
            f"FEED_TAG_AUTHORITY {value!r} is not an RFC 4151 tagging entity "
            "such as 'envcredit.org,2026'"
        )


def tag_uri(specific: str) -> str:
    """A permanent id (RFC 4151 ``tag:`` URI) that no request header can change."""
    return f"tag:{current_app.config['FEED_TAG_AUTHORITY']}:{specific}"


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
    """Atom feed of the 50 published penalty notices that changed last."""
    return penalty_feed(
        _("行政处罚公示"),
        "feeds/penalties",
        external_url("feeds.penalties_atom"),
        external_url("feeds.penalties"),
    )


@bp.get("/feeds/enterprises/<uscc>.atom")
def enterprise_atom(uscc: str) -> Response:
    """Atom feed of one enterprise's public penalty notices."""
    ent, scope = enterprise_scope(get_session(), uscc)
    return penalty_feed(
        _("%(name)s 的行政处罚公示", name=ent.name),
        f"feeds/enterprises/{ent.uscc}",
        external_url("feeds.enterprise_atom", uscc=ent.uscc),
        external_url("credit_pages.enterprise", uscc=ent.uscc),
        scope,
    )


@bp.get("/feeds/regions/<code>.atom")
def region_atom(code: str) -> Response:
    """Atom feed of the public penalty notices of the enterprises in one region."""
    region, name, scope = region_scope(get_session(), code)
    return penalty_feed(
        _("%(name)s 行政处罚公示", name=name),
        f"feeds/regions/{region}",
        external_url("feeds.region_atom", code=region),
        external_url("disclosure.home", region=region),
        scope,
    )


@bp.get("/feeds/industries/<code>.atom")
def industry_atom(code: str) -> Response:
    """Atom feed of the public penalty notices of the enterprises in one industry."""
    industry, name, scope = industry_scope(get_session(), code)
    return penalty_feed(
        _("%(name)s 行业行政处罚公示", name=name),
        f"feeds/industries/{industry}",
        external_url("feeds.industry_atom", code=industry),
        external_url("feeds.penalties"),
        scope,
    )


@dataclass(frozen=True)
class FeedHead:
    """Feed-level metadata of an Atom document."""

    id: str
    title: str
    self_url: str
    alternate_url: str
    author: str
    author_uri: str
    language: str
    updated: dt.datetime


@dataclass(frozen=True)
class AtomEntry:
    """One entry of an Atom document, as plain values."""

    id: str
    title: str
    link: str
    summary: str
    author: str
    published: dt.datetime
    updated: dt.datetime


def penalty_feed(
    title: str, tag: str, self_url: str, alternate_url: str, scope: Scope = ()
) -> Response:
    """The Atom response for the public penalties in ``scope``, with validators and 304s."""
    feed = feed_contents(get_session(), china_today(), scope, limit=FEED_SIZE)
    config = current_app.config
    site = config.get("SITE_NAME") or "envcredit"
    # the default site name is in the catalogue (English: its translation); others as set
    head = FeedHead(
        tag_uri(tag),
        f"{title} · {_(site)}",
        self_url,
        alternate_url,
        config.get("SITE_AUTHORITY") or site,
        external_url("disclosure.home"),
        html_lang(str(get_locale() or DEFAULT_LOCALE)),
        feed.updated,
    )
    body = atom_document(head, (penalty_entry(n) for n in feed.notices))
    response = Response(body, mimetype="application/atom+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    # the enterprises' names are shown too: a rename must not leave If-Modified-Since at 304
    response.last_modified = feed.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.vary.update(("Accept-Language", "Cookie"))  # the feed's own words are translated
    return response.make_conditional(request)


def penalty_entry(notice: Notice) -> AtomEntry:
    """The Atom entry of one public penalty notice."""
    penalty = notice.penalty
    return AtomEntry(
        id=tag_uri(f"penalty/{penalty.id}"),
        title=f"{notice.enterprise_name}：{penalty.violation_type}（{penalty.decision_no}）",
        link=external_url("credit_pages.penalty", penalty_id=penalty.id),
        summary=f"{penalty.facts} {_('罚款')} {yuan(penalty.fine_amount_fen)} {_('元')} · "
        f"{penalty.authority}",
        author=penalty.authority,
        published=notice.published,
        updated=notice.updated,
    )


def atom_document(head: FeedHead, entries: Iterable[AtomEntry]) -> bytes:
    """An Atom feed document; every string passes ``xml_text``, so stored data with
    characters XML cannot carry (U+000B, lone surrogates) still gives a well-formed feed."""
    from feedgen.feed import FeedGenerator  # with lxml ~5 MB: loaded by the first feed request

    feed = FeedGenerator()
    feed.id(xml_text(head.id))
    feed.title(xml_text(head.title) or "envcredit")
    feed.author({"name": xml_text(head.author) or "envcredit", "uri": xml_text(head.author_uri)})
    feed.link(href=xml_text(head.self_url), rel="self", type="application/atom+xml")
    feed.link(href=xml_text(head.alternate_url), rel="alternate", type="text/html")
    feed.language(head.language)
    feed.generator("envcredit")
    feed.updated(head.updated.astimezone(CHINA))
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(xml_text(entry.id))
        item.title(xml_text(entry.title))
        item.link(href=xml_text(entry.link), rel="alternate", type="text/html")
        item.summary(xml_text(entry.summary))
        if author := xml_text(entry.author).strip():
            item.author({"name": author})
        item.published(entry.published.astimezone(CHINA))
        item.updated(entry.updated.astimezone(CHINA))
    return feed.atom_str(pretty=True)


__all__ = ["bp", "penalty_feed", "url_for"]
