"""The browser portal: page views, forms and the wiring of their templates (public search,
enterprise pages, notices, tip-offs, the regulators' pages); the business rules they call
live in ``credit/``.

The name: "disclosure" is 信息公开, the public portal through which the authority discloses
its environmental credit information.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, make_response, render_template

from core.web import ERROR_PAGE
from credit.kinds import KINDS


def _error_page(status: int, title: str, detail: str | None) -> Any:
    return make_response(
        render_template("disclosure/error.html", status=status, title=title, detail=detail), status
    )


#: labels of the records an explanation line can cite (zh-CN msgids, translated on use)
RECORD_LABELS = {
    **{kind.entity: kind.label for kind in KINDS},
    "tipoff": "举报",
    "adjustment": "等级调整",
}


def _record_links() -> dict[str, Any]:
    from flask import url_for
    from flask_babel import gettext

    def record_url(source: dict[str, Any], uscc: str) -> str:
        kind, ident = source.get("type"), source.get("id")
        if kind == "penalty":
            return url_for("credit_pages.penalty", penalty_id=ident)
        return url_for("credit_pages.enterprise", uscc=uscc) + f"#{kind}-{ident}"

    def record_label(source: dict[str, Any]) -> str:
        kind = str(source.get("type"))
        return f"{gettext(RECORD_LABELS.get(kind, kind))} #{source.get('id')}"

    return {"record_url": record_url, "record_label": record_label, "today_date": dt.date.today}


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
        credit_pages,
        feeds,
        mfa_pages,
        regulator,
        regulator_credit,
        tipoff_pages,
        tipoff_regulator,
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
    app.register_blueprint(tipoff_pages.bp)
    app.register_blueprint(tipoff_regulator.bp)
    app.context_processor(_record_links)
    app.after_request(_security_headers)
    app.extensions[ERROR_PAGE] = _error_page
