"""A regulator's own account: second factor status, new recovery codes, a new password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from core.accounts import change_own_password
from core.db import get_session
from core.errors import describe_in
from core.i18n import page_lang
from core.limits import consume
from core.mfa import remaining_recovery_codes, renew_recovery_codes
from core.users import User
from core.web import attempt
from credit.notify.regulator_digest import digest_enabled, set_daily_digest
from disclosure.auth import (
    account_key,
    begin_session,
    current_user,
    live_session,
    login_required,
    mfa_required_for,
    signed_in_user,
    signin_required,
)
from disclosure.mfa_pages import CodeForm

bp = Blueprint("account", __name__, url_prefix="/regulator/account")


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired(), EqualTo("new")])


class DigestForm(FlaskForm):
    daily_digest = BooleanField(_l("每天早上发邮件告诉我辖区内的待办举报"))


def _me() -> User:
    user = signed_in_user()
    assert user is not None  # signin_required
    consume("login-account", key=account_key(user.email))
    return user


def _render(
    password_form: PasswordForm | None = None,
    code_form: CodeForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    user = signed_in_user()
    assert user is not None
    left = remaining_recovery_codes(get_session(), user) if user.mfa_enrolled else 0
    return render_template(
        "disclosure/regulator/account.html",
        user=user,
        password_form=password_form or PasswordForm(),
        code_form=code_form or CodeForm(),
        codes_left=left,
        digest_form=DigestForm(daily_digest=digest_enabled(get_session(), user)),
        error=error,
        mfa_required=mfa_required_for(user),
    ), status


@bp.get("/")
@signin_required
def overview() -> Any:
    """Second factor, recovery codes left, last login; forms to change them."""
    return _render()


@bp.post("/password")
@signin_required
def password() -> Any:
    """A new password: every other session of this account ends, this one goes on."""
    form = PasswordForm()
    user = _me()
    if not form.validate_on_submit():
        return _render(password_form=form, status=422)
    session = get_session()
    _done, error = attempt(
        change_own_password, session, user, form.current.data or "", form.new.data or ""
    )
    if error is not None:
        message = describe_in(error, page_lang())
        return _render(password_form=form, error=message, status=422)
    begin_session(user, "full")
    flash(_("密码已修改，其他设备上的登录已全部退出。"))
    return redirect(url_for("account.overview"))


@bp.post("/recovery-codes")
@signin_required
def recovery_codes() -> Any:
    """Ten new recovery codes (the old ones stop working), confirmed with a current code."""
    form = CodeForm()
    user = _me()
    row = live_session()
    assert row is not None
    _done, error = attempt(
        renew_recovery_codes,
        get_session(),
        user,
        form.code.data or "" if form.validate_on_submit() else "",
        row,
    )
    if error is not None:
        return _render(code_form=form, error=_("验证码不正确或已使用过。"), status=422)
    return redirect(url_for("mfa.recovery_codes", next=url_for("account.overview")))


@bp.post("/digest")
@login_required
def digest() -> Any:
    """Opt in to or out of the daily digest of the to-do list."""
    form = DigestForm()
    user = current_user()
    assert user is not None
    if not form.validate_on_submit():
        return _render(error=_("提交未成功，请稍后重试。"), status=400)
    set_daily_digest(get_session(), user, bool(form.daily_digest.data))
    flash(_("已开启每日待办邮件。") if form.daily_digest.data else _("已关闭每日待办邮件。"))
    return redirect(url_for("account.overview"))
