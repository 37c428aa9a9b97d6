"""Temporary disclosure reports (临时报告): the enterprise's list with deadlines and the form
to file one (logged-in enterprise users, own enterprise only), and the public list of an
enterprise's filed reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.clock import today as china_today
from core.db import get_session
from core.errors import DomainError
from core.users import User
from core.web import attempt
from credit.ratings.loader import active_rulebook
from credit.temporary_reports.filing import (
    MAX_LENGTH,
    file_temporary_report,
    own_obligation,
    own_temporary_reports,
)
from credit.temporary_reports.listing import public_temporary_reports
from credit.temporary_reports.obligations import STATUS_NAMES
from disclosure.auth import current_enterprise_user, enterprise_login_required

bp = Blueprint("enterprise_temporary", __name__, url_prefix="/enterprise/temporary-reports")
public_bp = Blueprint("temporary_public", __name__)


def _user() -> User:
    user = current_enterprise_user()
    assert user is not None  # enterprise_login_required
    return user


@bp.get("/")
@enterprise_login_required
def index() -> Any:
    """The temporary reports the enterprise owes, with due dates and status."""
    user, today = _user(), china_today()
    enterprise, rows = own_temporary_reports(get_session(), active_rulebook(), user, today)
    return render_template(
        "disclosure/enterprise_account/temporary_reports.html",
        user=user,
        e=enterprise,
        rows=rows,
        today=today,
        names=STATUS_NAMES,
        book=active_rulebook().temporary_report,
    )


def _form(user: User, penalty_id: int, error: DomainError | None = None) -> Any:
    item = own_obligation(get_session(), active_rulebook(), user, penalty_id, china_today())
    return render_template(
        "disclosure/enterprise_account/temporary_report_form.html",
        user=user,
        item=item,
        today=china_today(),
        names=STATUS_NAMES,
        error=error,
        content=request.form.get("content", ""),
        url=request.form.get("url", ""),
        max_length=MAX_LENGTH,
    )


@bp.get("/<int:penalty_id>")
@enterprise_login_required
def form(penalty_id: int) -> Any:
    """The form to file the temporary report for one penalty (404: not the enterprise's)."""
    return _form(_user(), penalty_id)


@bp.post("/<int:penalty_id>")
@enterprise_login_required
def file(penalty_id: int) -> Any:
    """File the report; it is public at once (the change log carries it to mirrors)."""
    user = _user()
    report, error = attempt(
        file_temporary_report,
        get_session(),
        active_rulebook(),
        user,
        penalty_id=penalty_id,
        content=request.form.get("content", "")[: MAX_LENGTH + 100],
        url=request.form.get("url", "")[:600],
        today=china_today(),
    )
    if report is not None:
        flash(_("临时报告已披露，企业公开页面可以查看。"))
        return redirect(url_for("enterprise_temporary.index"), 303)
    assert error is not None
    if error.status in (403, 404):
        raise error
    return _form(user, penalty_id, error), error.status


@public_bp.get("/enterprises/<uscc>/temporary-reports")
def public_list(uscc: str) -> Any:
    """An enterprise's filed temporary disclosure reports (of its published penalties)."""
    enterprise, rows = public_temporary_reports(
        get_session(), active_rulebook(), uscc, china_today()
    )
    return render_template(
        "disclosure/temporary_reports_public.html", e=enterprise, rows=rows, names=STATUS_NAMES
    )
