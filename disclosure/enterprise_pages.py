"""The enterprise's own pages: activate an account from a one-time code, the dashboard, and
(for its managers) its users. Every page but activation is for a logged-in user of the
enterprise and shows only that enterprise: no page takes an enterprise as a parameter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.clock import cn_time
from core.clock import today as china_today
from core.db import get_session
from core.limits import consume
from core.web import attempt
from credit.enterprise_accounts.activation import (
    ACTIVATION_DAYS,
    ROLE_NAMES,
    activate,
    manager_issues_code,
    members,
    set_member_active,
)
from credit.enterprise_accounts.dashboard import enterprise_dashboard
from credit.ratings.levels import LEVEL_NAMES
from credit.tipoffs.vocabulary import CATEGORY_NAMES, STATUS_NAMES, named
from disclosure.auth import current_enterprise_user, enterprise_login_required

bp = Blueprint("enterprise_account", __name__, url_prefix="/enterprise")


class ActivateForm(FlaskForm):
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(), Length(max=18)])
    code = StringField(_l("激活码"), validators=[DataRequired(), Length(max=40)])
    legal_representative = StringField(
        _l("法定代表人姓名（与登记信息一致）"), validators=[DataRequired(), Length(max=100)]
    )
    name = StringField(_l("您的姓名"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("邮箱（登录用）"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("密码（至少 10 个字符）"), validators=[DataRequired(), Length(max=200)]
    )


@bp.route("/activate", methods=["GET", "POST"])
def activate_page() -> Any:
    """Open an enterprise account with the code a regulator (or the enterprise's manager)
    issued; then log in as usual."""
    form = ActivateForm()
    error = None
    if request.method == "POST":
        consume("enterprise-activate")
    if form.validate_on_submit():
        user, error = attempt(
            activate,
            get_session(),
            uscc=form.uscc.data or "",
            code=form.code.data or "",
            legal_representative=form.legal_representative.data or "",
            name=form.name.data or "",
            email=form.email.data or "",
            password=form.password.data or "",
        )
        if user is not None:
            flash(_("企业账户已开通，请用邮箱和密码登录。"))
            return redirect(url_for("auth.login", next=url_for("enterprise_account.dashboard")))
    form.password.data = ""
    status = 200 if request.method == "GET" else (error.status if error else 422)
    return render_template(
        "disclosure/enterprise_account/activate.html",
        form=form,
        error=error,
        days=ACTIVATION_DAYS,
    ), status


@bp.get("/")
@enterprise_login_required
def dashboard() -> Any:
    """The enterprise's rating and why, its deadlines and links to its report."""
    user = current_enterprise_user()
    assert user is not None  # enterprise_login_required
    board = enterprise_dashboard(get_session(), user, china_today())
    return render_template(
        "disclosure/enterprise_account/dashboard.html",
        d=board,
        file=board.file,
        e=board.file.enterprise,
        levels=LEVEL_NAMES,
        user=user,
        roles=ROLE_NAMES,
        tipoff_categories={k: named(v) for k, v in CATEGORY_NAMES.items()},
        tipoff_statuses={k: named(v) for k, v in STATUS_NAMES.items()},
        cn=cn_time,
    )


@bp.get("/users")
@enterprise_login_required
def users() -> Any:
    """The enterprise's users; a manager adds users with a code and (de)activates them."""
    user = current_enterprise_user()
    assert user is not None
    return render_template(
        "disclosure/enterprise_account/users.html",
        user=user,
        rows=members(get_session(), user),
        roles=ROLE_NAMES,
        code=None,
        days=ACTIVATION_DAYS,
    )


@bp.post("/users/code")
@enterprise_login_required
def new_code() -> Any:
    """A manager issues a one-time code for another user (shown on this page once)."""
    user = current_enterprise_user()
    assert user is not None
    role = request.form.get("role", "")
    code, error = attempt(manager_issues_code, get_session(), user, role)
    status = 200 if code else (error.status if error else 422)
    return render_template(
        "disclosure/enterprise_account/users.html",
        user=user,
        rows=members(get_session(), user),
        roles=ROLE_NAMES,
        code=code,
        code_role=role,
        error=error,
        days=ACTIVATION_DAYS,
    ), status


@bp.post("/users/<int:member_id>/<any(activate, deactivate):action>")
@enterprise_login_required
def set_active(member_id: int, action: str) -> Any:
    user = current_enterprise_user()
    assert user is not None
    set_member_active(get_session(), user, member_id, action == "activate")
    flash(_("已启用该用户。") if action == "activate" else _("已停用该用户，其登录已全部退出。"))
    return redirect(url_for("enterprise_account.users"))
