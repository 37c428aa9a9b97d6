"""The annual disclosure report filed online (企业环境信息依法披露年度报告): the enterprise's
list and form (save a draft, submit), the public version ``/disclosures/{uscc}/{year}`` (HTML
and PDF) and the regulators' list of submitted reports with their plausibility flags.

The form is plain HTML: both buttons post the same form, it works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from core.clock import cn_time
from core.clock import today as china_today
from core.db import get_session
from core.i18n import DEFAULT_LOCALE
from core.users import User
from core.web import attempt, external_url
from credit.annual_reports.answers import posted_answers
from credit.annual_reports.filing import (
    Settings,
    report_form,
    report_years,
    save_draft,
    submit_report,
)
from credit.annual_reports.parts import PARTS
from credit.annual_reports.plausibility import FLAG_NAMES
from credit.annual_reports.published import published_report, submitted_reports
from credit.monitoring.pollutants import pollutant_name
from credit.ratings.levels import LEVEL_NAMES
from disclosure.annual_report_pdf import render_annual_report
from disclosure.auth import (
    current_enterprise_user,
    current_user,
    enterprise_login_required,
    login_required,
)

bp = Blueprint("annual_reports", __name__)
#: blank rows the emissions table offers beyond the filled ones
BLANK_ROWS = 3


def _settings() -> Settings:
    config = current_app.config
    return Settings(
        config.get("DISCLOSURE_PLAUSIBILITY_MARGIN"), config.get("DISCLOSURE_CARBON_INDUSTRIES")
    )


def _member() -> User:
    user = current_enterprise_user()
    assert user is not None  # enterprise_login_required
    return user


@bp.get("/enterprise/annual-reports/")
@enterprise_login_required
def my_reports() -> Any:
    """The enterprise's annual reports by year, and a form to start another year."""
    today = china_today()
    return render_template(
        "disclosure/annual_reports/list.html",
        rows=report_years(get_session(), _member(), today),
        this_year=today.year,
    )


@bp.post("/enterprise/annual-reports/")
@enterprise_login_required
def start_year() -> Any:
    """Open the form of the year asked for (nothing is stored until a draft is saved)."""
    _member()
    year = request.form.get("year", "").strip()
    if not year.isdigit() or len(year) != 4:
        flash(_("请填写四位数的年度"), "error")
        return redirect(url_for("annual_reports.my_reports"), 303)
    return redirect(url_for("annual_reports.form", year=int(year)), 303)


def _render(year: int, error: Any = None, posted: Any = None, status: int = 200) -> Any:
    view = report_form(get_session(), _member(), year, china_today(), _settings())
    answers = view.answers if posted is None else posted
    rows = list((answers.get("pollution") or {}).get("emissions") or [])
    return render_template(
        "disclosure/annual_reports/form.html",
        v=view,
        parts=PARTS,
        answers=answers,
        emission_rows=rows + [{}] * BLANK_ROWS,
        error=error,
        missing={
            k.split(".", 1)[1]
            for k in getattr(error, "errors", None) or {}
            if k.startswith("part.")
        },
        levels=LEVEL_NAMES,
        pollutant_name=pollutant_name,
        cn=cn_time,
    ), status


@bp.get("/enterprise/annual-reports/<int:year>")
@enterprise_login_required
def form(year: int) -> Any:
    """The year's report: the form (a draft or new), or the submitted report."""
    return _render(year)


@bp.post("/enterprise/annual-reports/<int:year>")
@enterprise_login_required
def save(year: int) -> Any:
    """保存草稿 (``action=save``) or 提交 (``action=submit``) the year's report."""
    session, user, form_data = get_session(), _member(), request.form.to_dict()
    if request.form.get("action") == "submit":
        _done, error = attempt(
            submit_report, session, user, year, form_data, _settings(), _public_url
        )
        message = _("年度报告已提交并公开。")
    else:
        _done, error = attempt(save_draft, session, user, year, form_data, china_today())
        message = _("草稿已保存。")
    if error is not None:
        if error.status in (403, 404):
            raise error
        return _render(year, error, posted_answers(request.form), error.status)
    flash(message)
    return redirect(url_for("annual_reports.form", year=year), 303)


def _public_url(uscc: str, year: int) -> str:
    return external_url("annual_reports.public", uscc=uscc, year=year)


@bp.get("/disclosures/<uscc>/<int:year>")
def public(uscc: str, year: int) -> Any:
    """A submitted annual report as it was submitted (``?format=pdf``: its PDF)."""
    if request.args.get("format") == "pdf":
        return public_pdf(uscc, year)
    pub = published_report(get_session(), uscc, year)
    if pub.uscc != uscc:
        return redirect(url_for("annual_reports.public", uscc=pub.uscc, year=year), 301)
    return render_template(
        "disclosure/annual_reports/public.html",
        pub=pub,
        snap=pub.report.snapshot,
        parts=PARTS,
        levels=LEVEL_NAMES,
        pollutant_name=pollutant_name,
    )


@bp.get("/disclosures/<uscc>/<int:year>.pdf")
def public_pdf(uscc: str, year: int) -> Any:
    """The submitted report as a PDF."""
    pub = published_report(get_session(), uscc, year)
    lang = str(get_locale() or DEFAULT_LOCALE)
    url = external_url("annual_reports.public", uscc=pub.uscc, year=year)
    response = Response(render_annual_report(pub, lang, url), mimetype="application/pdf")
    name = f"disclosure-{pub.uscc}-{year}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.get("/regulator/annual-reports/")
@login_required
def regulator_list() -> Any:
    """Submitted annual reports of my region with their plausibility flags (``?flagged=1``:
    only flagged ones; ``?year=``)."""
    user = current_user()
    assert user is not None  # login_required
    year_text = request.args.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    flagged = request.args.get("flagged") == "1"
    return render_template(
        "disclosure/regulator/annual_reports.html",
        rows=submitted_reports(get_session(), user, year, flagged),
        year=year,
        flagged=flagged,
        flag_names=FLAG_NAMES,
        cn=cn_time,
    )
