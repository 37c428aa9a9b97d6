"""Regulator login: argon2 passwords, lockout, CSRF-protected forms, session cookies."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from core.audit import audit
from core.db import get_session
from core.users import User, authenticate
from core.web import safe_local_path

bp = Blueprint("auth", __name__, url_prefix="/regulator")
CSRF_EXEMPT_PREFIXES = ("/api/", "/open311/")
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])


#: machine interfaces authenticate with keys or tokens, never with the session cookie
SESSIONLESS_PREFIXES = ("/api/", "/open311/", "/feeds/", "/healthz")


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Session cookies get the Secure flag whenever the request came over HTTPS.

    Machine interfaces (the API, Open311, feeds, health) get no session at all: a login
    cookie sent along is ignored there, and nothing is decoded or re-signed per request.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def open_session(self, app: Flask, request: Any) -> Any:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)


class LoginForm(FlaskForm):
    email = EmailField("邮箱 / E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("密码 / Password", validators=[DataRequired(), Length(max=1024)])


def current_user() -> User | None:
    """The logged-in regulator, loaded once per request."""
    if "current_user" not in g:
        uid = session.get("uid")
        user = get_session().get(User, uid) if isinstance(uid, int) else None
        g.current_user = user if user is not None and user.active else None
    return g.current_user


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page; the view gets ``g.current_user``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


_SAFE_NEXT = re.compile(r"/regulator/[A-Za-z0-9/_.~%?=&+-]{0,500}")


def _safe_next(target: str | None) -> str:
    """Only local regulator paths (no scheme, host, backslash or control characters)."""
    default = url_for("regulator.dashboard")
    target = safe_local_path(target, "/regulator/", default)
    return target if _SAFE_NEXT.fullmatch(target) else default


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with e-mail and password; repeated failures lock the account."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        cfg = current_app.config
        user = authenticate(db, form.email.data or "", form.password.data or "",
                            max_failures=int(cfg["LOGIN_MAX_FAILURES"]),
                            lockout=dt.timedelta(minutes=int(cfg["LOGIN_LOCKOUT_MINUTES"])))
        if user is None:
            error = _("邮箱或密码不正确，或账户已被暂时锁定。")
        else:
            audit(db, f"user:{user.id}", "user.login", f"user:{user.id}")
            session.clear()
            session["uid"] = user.id
            session.permanent = True
        db.commit()
        if user is not None:
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("disclosure/regulator/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> Any:
    """End the session (POST with CSRF token, so a link elsewhere cannot log you out)."""
    user = current_user()
    if user is not None:
        db = get_session()
        audit(db, f"user:{user.id}", "user.logout", f"user:{user.id}")
        db.commit()
    session.clear()
    return redirect(url_for("auth.login"))


def require_region(region_code: str | None) -> None:
    """403 unless the current regulator may act in ``region_code``."""
    user = current_user()
    if user is None or not user.may_act_in(region_code):
        abort(403, description=_("该企业不在您的管辖区域内。"))


def init_auth(app: Flask) -> None:
    app.session_interface = HttpsAwareSessionInterface()
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", dt.timedelta(hours=8))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Pages check CSRF; the API and Open311 take no cookies, so they are not checked.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.register_blueprint(bp)

    @app.before_request
    def _csrf() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and \
                not request.path.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.protect()

    @app.context_processor
    def _user() -> dict[str, Any]:
        return {"current_user": current_user}
