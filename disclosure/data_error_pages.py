"""报告数据错误: the public form on every record page and the report's status page; the
regulators' list of their region's reports and the answer (corrected / no error).

Filing counts against the per-address "case-file" bucket (``core.limits``) before anything
else, like objections and repair applications. The reporter's contact is shown only on the
regulator's page of the report.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from core.clock import cn_time
from core.clock import today as china_today
from core.db import get_session
from core.errors import describe_in
from core.i18n import page_lang
from core.limits import consume
from core.web import attempt
from credit.data_errors.answering import (
    answer_data_error,
    find_by_reference,
    report_row,
    reports_for,
)
from credit.data_errors.reporting import answer_workdays, public_record, report_data_error
from credit.records.models import Enterprise
from disclosure.auth import current_user, login_required

bp = Blueprint("data_errors", __name__)
regbp = Blueprint("regdataerrors", __name__, url_prefix="/regulator/data-errors")

RECORD_TYPES = "enterprise, penalty, inspection, permit, disclosure"


def record_url(record_type: str, record_id: str, uscc: str) -> str:
    """The public page that shows a record."""
    if record_type == Enterprise.entity:
        return url_for("credit_pages.enterprise", uscc=uscc)
    if record_type == "penalty":
        return url_for("credit_pages.penalty", penalty_id=int(record_id))
    return url_for("credit_pages.enterprise", uscc=uscc) + f"#{record_type}-{record_id}"


class DataErrorForm(FlaskForm):
    # the service checks both fields (its message names what is missing)
    description = TextAreaField(_l("错误说明"), render_kw={"maxlength": 2000, "rows": 6})
    contact = StringField(_l("联系方式（选填）"), render_kw={"maxlength": 200})


@bp.route(f"/report-error/<any({RECORD_TYPES}):record_type>/<record_id>", methods=["GET", "POST"])
def report(record_type: str, record_id: str) -> Any:
    """Report an error in a public record: a case for the record's regulator."""
    if request.method == "POST":
        consume("case-file")
    session = get_session()
    today = china_today()
    record = public_record(session, record_type, record_id, today)
    form = DataErrorForm()
    error = None
    if form.validate_on_submit():
        filed, error = attempt(
            report_data_error,
            session,
            record_type,
            record_id,
            description=form.description.data or "",
            contact=form.contact.data,
            today=today,
        )
        if filed is not None:
            return redirect(url_for("data_errors.status", reference=filed.reference), 303)
    status = 422 if (form.errors or error) else 200
    return render_template(
        "disclosure/data_error_form.html",
        record=record,
        back=record_url(record.record_type, record.record_id, record.enterprise.uscc),
        form=form,
        error=error,
        workdays=answer_workdays(),
    ), status


@bp.get("/data-errors/<reference>")
def status(reference: str) -> Any:
    """A report's status: 核查中 until its deadline, then the regulator's answer."""
    row = find_by_reference(get_session(), reference)
    return render_template(
        "disclosure/data_error_status.html",
        report=row.report,
        back=record_url(row.report.record_type, row.report.record_id, row.uscc),
        cn=cn_time,
    )


def _user() -> Any:
    user = current_user()
    assert user is not None
    return user


@regbp.get("/")
@login_required
def queue() -> Any:
    """Open reports of my region by deadline, and the latest answered."""
    session = get_session()
    return render_template(
        "disclosure/regulator/data_errors.html",
        open_rows=reports_for(session, _user()),
        answered=reports_for(session, _user(), open_only=False),
        today=china_today(),
        cn=cn_time,
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("答复意见"), render_kw={"maxlength": 4000, "rows": 5})


@regbp.get("/<int:report_id>")
@login_required
def detail(report_id: int) -> Any:
    """One report with the reporter's contact (officers only) and the answer form."""
    row = report_row(get_session(), _user(), report_id)
    return render_template(
        "disclosure/regulator/data_error.html",
        report=row.report,
        row=row,
        record=record_url(row.report.record_type, row.report.record_id, row.uscc),
        form=AnswerForm(),
        cn=cn_time,
    )


@regbp.post("/<int:report_id>/<any(corrected, no_error):verdict>")
@login_required
def answer(report_id: int, verdict: str) -> Any:
    """Answer a report: corrected, or no error; the 核查中 marker goes."""
    form = AnswerForm()
    if not form.validate():
        abort(400)
    _done, error = attempt(
        answer_data_error,
        get_session(),
        _user(),
        report_id,
        corrected=verdict == "corrected",
        answer=form.answer.data or "",
    )
    if error is not None:
        if error.status == 403:
            raise error
        flash(describe_in(error, page_lang()), "error")
        return redirect(url_for("regdataerrors.detail", report_id=report_id))
    flash(_("已答复数据错误报告。"))
    return redirect(url_for("regdataerrors.queue"))
