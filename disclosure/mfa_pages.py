"""The second login step (TOTP or recovery code), enrolment with a QR code, and the page
that shows new recovery codes once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from core.db import get_session
from core.limits import consume
from core.logins import begin_enrolment, check_second_factor, finish_enrolment
from core.mfa import plain_secret, provisioning_uri, take_recovery_codes
from core.sessions import UserSession
from core.users import User
from disclosure.auth import (
    account_key,
    adopt,
    live_session,
    lockout_settings,
    pending_login,
    safe_next,
    signed_in_user,
    signin_required,
)
from disclosure.charts import qr_svg

bp = Blueprint("mfa", __name__, url_prefix="/regulator")


class CodeForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(), Length(max=32)])


def _throttle(user: User) -> None:
    key = account_key(user.email)
    if key:
        consume("login-account", key=key)


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Any:
    """Second step: a code from the authenticator app, or one recovery code."""
    pending = pending_login("code")
    if pending is None:
        return redirect(url_for("auth.login"))
    row, user = pending
    form = CodeForm()
    error = None
    if request.method == "POST":
        _throttle(user)
    if form.validate_on_submit():
        target, error = _second_factor(row, user, form.code.data or "")
        if target:
            return redirect(target)
    status = 401 if error else 200
    return render_template("disclosure/regulator/mfa_code.html", form=form, error=error), status


def _second_factor(row: UserSession, user: User, code: str) -> tuple[str | None, str | None]:
    """(where to go, None) for a right code; (None, message) otherwise (core.logins counts
    wrong codes towards the lockout and ends the half-done login once locked)."""
    result = check_second_factor(get_session(), row, user, code, **lockout_settings())
    if result.outcome == "locked":
        return None, _("账户已被暂时锁定，请稍后重新登录。")
    if result.login is None:
        return None, _("验证码不正确或已使用过。")
    adopt(result.login)
    if result.codes_left is not None:
        flash(_("已使用一个恢复码，还剩 %(n)s 个。", n=result.codes_left))
    return safe_next(request.args.get("next"), user), None


def _enrolling() -> tuple[UserSession, User] | None:
    """The session enrolling a second factor: a login waiting for enrolment, or (MFA
    optional) a logged-in user who chose to enrol."""
    pending = pending_login("enrol")
    if pending is not None:
        return pending
    user, row = signed_in_user(), live_session()
    if user is None or row is None or user.mfa_enrolled or not row.pending_secret:
        return None
    return row, user


@bp.route("/mfa/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """Set up the authenticator app: scan the QR code (or type the secret), confirm with
    the first code."""
    enrolling = _enrolling()
    if enrolling is None:
        return redirect(url_for("auth.login"))
    row, user = enrolling
    form = CodeForm()
    error = None
    if request.method == "POST":
        _throttle(user)
    if form.validate_on_submit():
        done = finish_enrolment(get_session(), row, user, form.code.data or "")
        if done is not None:
            _full, login = done
            if login is not None:  # the login waited for enrolment: now a full session
                adopt(login)
            target = safe_next(request.args.get("next"), user)
            return redirect(url_for("mfa.recovery_codes", next=target))
        error = _("验证码不正确，请核对手机时间后重试。")
    secret = row.pending_secret or ""
    status = 422 if error else 200
    return render_template(
        "disclosure/regulator/mfa_enrol.html",
        form=form,
        error=error,
        qr=qr_svg(provisioning_uri(secret, user), _("两步验证二维码")),
        secret=plain_secret(secret, user),
    ), status


@bp.post("/mfa/start")
@signin_required
def start() -> Any:
    """Begin enrolling a second factor (when MFA is optional and none is set up yet)."""
    user, row = signed_in_user(), live_session()
    assert user is not None and row is not None
    if user.mfa_enrolled:
        flash(_("两步验证已启用。"))
        return redirect(url_for("account.overview"))
    begin_enrolment(row, user)
    return redirect(url_for("mfa.enrol"))


@bp.get("/mfa/recovery-codes")
@signin_required
def recovery_codes() -> Any:
    """New recovery codes, shown this once (then removed from the server)."""
    user, row = signed_in_user(), live_session()
    assert user is not None and row is not None
    return render_template(
        "disclosure/regulator/mfa_recovery_codes.html",
        codes=take_recovery_codes(row, user),
        next=safe_next(request.args.get("next"), user),
    )
