"""The browser portal: page views, forms and the wiring of their templates (public search,
enterprise pages, notices, tip-offs, the regulators' pages); the business rules they call
live in ``credit/``.

The name: "disclosure" is 信息公开, the public portal through which the authority discloses
its environmental credit information.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, make_response, render_template
from sqlalchemy.exc import SQLAlchemyError

from core.web import ERROR_PAGE
from credit.freshness.datasets import data_updated_on
from credit.kinds import KINDS


def _error_page(status: int, title: str, detail: str | None, errors: Any = None) -> Any:
    """The error page: a short heading for the status, the message in the page's language
    (a :class:`core.messages.Msg`; the English-only texts of HTTP errors give way to a
    sentence of our own), a search box, and on regulator pages the regulator navigation."""
    from flask import request

    from core.errors import DomainError
    from core.messages import Msg
    from disclosure.auth import current_user
    from disclosure.labels import ERROR_HEADINGS, ERROR_TEXTS

    message = detail if isinstance(detail, Msg) else title if isinstance(title, Msg) else None
    error = DomainError(message, errors) if message is not None else None
    try:  # an error page while the database is down still renders (without the regulator's)
        regulator = request.path.startswith("/regulator/") and current_user() is not None
    except SQLAlchemyError:
        regulator = False
    return make_response(
        render_template(
            "disclosure/error.html",
            status=status,
            heading=ERROR_HEADINGS.get(status) or ERROR_HEADINGS[500 if status >= 500 else 400],
            error=error,
            fallback=ERROR_TEXTS.get(status) or ERROR_TEXTS[500 if status >= 500 else 400],
            regulator=regulator,
        ),
        status,
    )


#: labels of the records an explanation line can cite (zh-CN msgids, translated on use)
RECORD_LABELS = {
    **{kind.entity: kind.label for kind in KINDS},
    "tipoff": "举报",
    "adjustment": "等级调整",
    "outlet": "排放口在线监测",
}


def _record_links() -> dict[str, Any]:
    from flask import url_for
    from flask_babel import gettext

    def record_url(source: dict[str, Any], uscc: str) -> str:
        kind, ident = source.get("type"), source.get("id")
        if kind == "penalty":
            return url_for("credit_pages.penalty", penalty_id=ident)
        if kind == "outlet":  # an outlet's MN; ``date`` (YYYY-MM-DD) opens that day
            return url_for("monitoring_pages.outlet", mn=ident, date=source.get("date"))
        return url_for("credit_pages.enterprise", uscc=uscc) + f"#{kind}-{ident}"

    def record_label(source: dict[str, Any]) -> str:
        kind = str(source.get("type"))
        return f"{gettext(RECORD_LABELS.get(kind, kind))} #{source.get('id')}"

    def record_kind_label(kind: str) -> str:
        return RECORD_LABELS.get(kind, kind)

    return {
        "record_url": record_url,
        "record_label": record_label,
        "record_kind_label": record_kind_label,
    }


def _site() -> dict[str, Any]:
    """Who runs the site and how fresh its data is, for every page's header and footer."""
    from flask import current_app, request

    from core.clock import today as china_today
    from core.db import get_session
    from core.web import external_url

    config = current_app.config

    def data_updated() -> Any:
        try:
            return data_updated_on(get_session())
        except SQLAlchemyError:  # an error page while the database is down still renders
            return None

    return {
        "site": {
            "name": config["SITE_NAME"],
            "authority": config.get("SITE_AUTHORITY"),
            "contact": config.get("SITE_CONTACT"),
            "icp": config.get("SITE_ICP"),
            "gov_id": config.get("SITE_GOV_ID"),
        },
        "data_updated": data_updated,
        #: the China date a printout carries (the day the page was served)
        "print_date": lambda: china_today().isoformat(),
        "page_url": lambda: (
            external_url(request.endpoint, **(request.view_args or {})) if request.endpoint else ""
        ),
    }


#: pages load nothing from elsewhere and run no inline script
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
#: the API docs page (swagger-ui, served locally) needs its inline start-up script
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"
)


def _security_headers(response: Any) -> Any:
    from flask import request

    headers = response.headers
    if request.is_secure:  # only over HTTPS: HSTS sent over plain HTTP would be ignored
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        docs = request.path.startswith("/api/v1/docs")
        headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else PAGE_CSP)
        headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    """Register the public pages and the HTML error page."""
    from disclosure import (
        account_pages,
        admin,
        annual_report_pages,
        board_pages,
        board_regulator,
        case_pages,
        credit_pages,
        data_error_pages,
        data_pages,
        enterprise_cases,
        enterprise_pages,
        feeds,
        grid_pages,
        hotspot_pages,
        info_pages,
        map_pages,
        mfa_pages,
        monitoring_pages,
        nearby_pages,
        obligation_pages,
        place_mismatches,
        regulator,
        regulator_credit,
        release_pages,
        reply_pages,
        reply_regulator,
        report_pages,
        reward_pages,
        source_pages,
        subscription_pages,
        temporary_report_pages,
        tipoff_pages,
        tipoff_regulator,
        transfer_pages,
        views,
    )
    from disclosure.auth import init_auth

    init_auth(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(regulator.bp)
    app.register_blueprint(mfa_pages.bp)
    app.register_blueprint(account_pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(regulator_credit.bp)
    app.register_blueprint(credit_pages.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(temporary_report_pages.bp)
    app.register_blueprint(temporary_report_pages.public_bp)
    app.register_blueprint(info_pages.bp)
    app.register_blueprint(tipoff_pages.bp)
    app.register_blueprint(tipoff_regulator.bp)
    app.register_blueprint(reward_pages.bp)
    app.register_blueprint(source_pages.bp)
    app.register_blueprint(monitoring_pages.bp)
    app.register_blueprint(case_pages.bp)
    app.register_blueprint(grid_pages.bp)
    app.register_blueprint(map_pages.bp)
    app.register_blueprint(hotspot_pages.bp)
    app.register_blueprint(nearby_pages.bp)
    app.register_blueprint(place_mismatches.bp)
    app.register_blueprint(board_pages.bp)
    app.register_blueprint(board_regulator.bp)
    app.register_blueprint(subscription_pages.bp)
    app.register_blueprint(enterprise_pages.bp)
    app.register_blueprint(enterprise_cases.bp)
    app.register_blueprint(transfer_pages.bp)
    app.register_blueprint(obligation_pages.bp)
    app.register_blueprint(reply_pages.bp)
    app.register_blueprint(reply_regulator.bp)
    app.register_blueprint(release_pages.bp)
    app.register_blueprint(annual_report_pages.bp)
    app.register_blueprint(data_pages.bp)
    app.register_blueprint(data_error_pages.bp)
    app.register_blueprint(data_error_pages.regbp)
    app.context_processor(_record_links)
    app.context_processor(_site)
    app.context_processor(info_pages.senior_context)
    app.after_request(_security_headers)
    app.extensions[ERROR_PAGE] = _error_page
