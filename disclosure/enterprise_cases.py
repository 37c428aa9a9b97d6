"""The enterprise's objections (异议) and credit repair applications (信用修复) from its
account: the list of all of them with their deadlines, and the forms, which are the public
forms' (same fields, same services and deadlines) with the enterprise and the user's
contact filled in. Logged-in enterprise users only; no page takes an enterprise as a
parameter, and a penalty in a path must be the user's own enterprise's (404 otherwise)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.clock import cn_time
from core.clock import today as china_today
from core.db import get_session
from core.users import User
from core.web import attempt
from credit.cases.account import (
    apply_own_repair,
    file_own_objection,
    filer_contact,
    own_cases,
    own_file,
    own_penalty,
)
from credit.records.credit_file import repair_status
from disclosure.auth import current_enterprise_user, enterprise_login_required
from disclosure.credit_pages import ObjectionForm, RepairForm, split_target, target_choices

bp = Blueprint("enterprise_cases", __name__, url_prefix="/enterprise/objections")


def _user() -> User:
    user = current_enterprise_user()
    assert user is not None  # enterprise_login_required
    return user


def _filed(case: Any) -> Any:
    flash(_("已提交，编号 %(ref)s。", ref=case.reference))
    return redirect(url_for("enterprise_cases.cases"), 303)


@bp.get("/")
@enterprise_login_required
def cases() -> Any:
    """The enterprise's objections and repair applications, with deadlines and progress."""
    user = _user()
    return render_template(
        "disclosure/enterprise_account/objections.html",
        user=user,
        own=own_cases(get_session(), user, china_today()),
        cn=cn_time,
    )


@bp.route("/new", methods=["GET", "POST"])
@enterprise_login_required
def new_objection() -> Any:
    """File an objection to one of the enterprise's records or to its rating."""
    user, session, today = _user(), get_session(), china_today()
    file = own_file(session, user, today)
    form = ObjectionForm()
    form.target.choices = target_choices(file)
    if request.method == "GET":
        form.target.data = request.args.get("target", "rating:")[:40]
        form.contact.data = filer_contact(user)
    error = None
    if form.validate_on_submit():
        kind, ident = split_target(form.target.data or "")
        case, error = attempt(
            file_own_objection,
            session,
            user,
            target_type=kind,
            target_id=ident,
            claim=form.claim.data or "",
            contact=form.contact.data or "",
            today=today,
        )
        if case is not None:
            return _filed(case)
    status = 422 if (form.errors or error) else 200
    return render_template(
        "disclosure/objection_form.html",
        ent=file.enterprise,
        form=form,
        error=error,
        account=True,
    ), status


@bp.route("/repair/<int:penalty_id>", methods=["GET", "POST"])
@enterprise_login_required
def new_repair(penalty_id: int) -> Any:
    """Apply for credit repair of one of the enterprise's published penalties."""
    user, session, today = _user(), get_session(), china_today()
    item, ent = own_penalty(session, user, penalty_id, today)
    form = RepairForm()
    if request.method == "GET":
        form.contact.data = filer_contact(user)
    error = None
    if form.validate_on_submit():
        case, error = attempt(
            apply_own_repair,
            session,
            user,
            penalty_id,
            reason=form.reason.data or "",
            commitment=form.commitment.data or "",
            contact=form.contact.data or "",
            today=today,
        )
        if case is not None:
            return _filed(case)
    status = 422 if (form.errors or error) else 200
    return render_template(
        "disclosure/repair_form.html",
        p=item,
        ent=ent,
        form=form,
        error=error,
        eligible=repair_status(item, today)[1],
        account=True,
    ), status
