"""The credit report of an enterprise as a PDF, and the page that verifies a report's code.

``GET /enterprises/{uscc}/report.pdf`` writes on a GET: it stores (or finds) the report's
verification row (``credit.records.reports``), so it is :func:`~core.web.writes_on_get`.
That row is not public data and is not in the change log.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale

from core.clock import today as china_today
from core.db import get_session
from core.errors import NotFound
from core.i18n import DEFAULT_LOCALE
from core.limits import consume
from core.messages import msg
from core.web import external_url, writes_on_get
from credit.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from credit.records.exports import Export, list_export
from credit.records.listing import EnterpriseFilter, filter_conditions
from credit.records.reports import issue_report, normalise_code, verify_report
from disclosure.report_pdf import render_report

bp = Blueprint("reports", __name__)
#: the most rows a page's CSV download holds (the API's bulk exports hold everything)
CSV_ROWS = 10_000


def _lang() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


@bp.get("/enterprises/<uscc>/report.pdf")
@writes_on_get
def report_pdf(uscc: str) -> Any:
    """The 企业环境信用报告 of today (China date), with its verification code and QR code."""
    report = issue_report(get_session(), uscc, china_today())
    real = report.file.enterprise["uscc"]
    if real != uscc:
        return redirect(url_for("reports.report_pdf", uscc=real, **request.args), 301)
    lang = _lang()
    verify_url = external_url("reports.verify", code=report.code)
    body = render_report(
        report, lang, external_url("credit_pages.enterprise", uscc=real), verify_url
    )
    response = Response(body, mimetype="application/pdf")
    filename = f"credit-report-{real}-{report.facts['date']}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/verify")
def verify_form() -> Any:
    """A typed code (``?code=``) goes to its page; without one, the form to type it."""
    code = normalise_code(request.args.get("code", ""))
    if code:
        args = {k: v for k, v in request.args.items() if k in ("hash", "lang")}
        return redirect(url_for("reports.verify", code=code, **args), 303)
    if request.args.get("code"):
        error = msg("没有这个验证码：该报告不是本平台出具的，或验证码输入有误。")
        return render_template(
            "disclosure/verify.html", check=None, error=error, typed=request.args
        ), 404
    return render_template("disclosure/verify.html", check=None, typed=request.args)


@bp.get("/verify/<code>")
def verify(code: str) -> Any:
    """Whether the code is one this site issued, what that report said, and (``?hash=``)
    whether a given SHA-256 is that report's."""
    try:
        check = verify_report(get_session(), code, request.args.get("hash"))
    except NotFound as exc:
        return render_template(
            "disclosure/verify.html", check=None, error=exc.message, typed={"code": code}
        ), 404
    names = LEVEL_NAMES_EN if _lang().startswith("en") else LEVEL_NAMES
    return render_template("disclosure/verify.html", check=check, names=names, typed={})


def _csv_response(export: Export, filename: str) -> Response:
    try:
        consume("export-download")
    except Exception:
        export.close()
        raise
    response = Response(stream_with_context(export.rows()), mimetype="text/csv")
    response.call_on_close(export.close)  # also when the body is never read
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.mimetype_params["charset"] = "utf-8"
    return response


@bp.get("/penalties.csv")
def penalties_csv() -> Response:
    """The published penalty notices (the /penalties list), newest first, as CSV."""
    return _csv_response(list_export("penalties", china_today(), (), CSV_ROWS), "penalties.csv")


@bp.get("/enterprises.csv")
def enterprises_csv() -> Response:
    """The enterprise list with the home/search page's filters (q, region, industry, level)."""
    args = request.args
    filters = EnterpriseFilter(
        q=args.get("q", "").strip()[:100],
        region=args.get("region", "").strip()[:12],
        industry=args.get("industry", "").strip()[:8],
        level=args.get("level", "").strip()[:16],
    )
    export = list_export("enterprises", china_today(), filter_conditions(filters), CSV_ROWS)
    return _csv_response(export, "enterprises.csv")
