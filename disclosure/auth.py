"""Regulator login: argon2 passwords with lockout and throttles, the second factor's entry
point, server-side sessions (the cookie holds only their id), CSRF-protected forms."""

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
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from core.db import get_session
from core.limits import consume
from core.logins import Login, after_password, end_login, logged_in_user, open_login, session_user
from core.sessions import UserSession, find_session
from core.users import User, authenticate
from core.web import SAFE_METHODS, safe_local_path

bp = Blueprint("auth", __name__, url_prefix="/regulator")
#: /subscriptions/…: confirm and one-click unsubscribe are authorised by the token in the URL
#: (RFC 8058: a mail client POSTs without cookies or form token)
CSRF_EXEMPT_PREFIXES = ("/api/", "/open311/", "/subscriptions/")
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])
#: the one thing the cookie says about a login: the random id of its server-side session
SID = "sid"


#: machine interfaces authenticate with keys or tokens, never with the session cookie
SESSIONLESS_PREFIXES = ("/api/", "/open311/", "/feeds/", "/healthz", "/readyz", "/metrics")


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
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=1024)])


def mfa_required() -> bool:
    """True unless ``REGULATOR_MFA=optional``: every login needs a second factor."""
    return str(current_app.config.get("REGULATOR_MFA") or "required").lower() != "optional"


def live_session() -> UserSession | None:
    """The server-side session the cookie names, if it is still live (once per request)."""
    if "user_session" not in g:
        g.user_session = find_session(get_session(), session.get(SID))
    return g.user_session


def pending_login(stage: str) -> tuple[UserSession, User] | None:
    """The half-done login of this browser at ``stage`` (``code`` or ``enrol``), or None."""
    row = live_session()
    user = session_user(get_session(), row, stage)
    return (row, user) if row is not None and user is not None else None


def mfa_required_for(user: User) -> bool:
    """Whether ``user`` must have a second factor: regulators unless
    ``REGULATOR_MFA=optional``; an enterprise's users choose (the MFA option)."""
    return not user.is_enterprise_user and mfa_required()


def signed_in_user() -> User | None:
    """The logged-in user of either kind (a live full session of an active user, enrolled
    when a second factor is required of them), once per request."""
    if "signed_in_user" not in g:
        user = logged_in_user(
            get_session(),
            live_session(),
            mfa_required=False,
            apart=request.method in SAFE_METHODS,
        )
        if user is not None and mfa_required_for(user) and not user.mfa_enrolled:
            user = None
        g.signed_in_user = user
    return g.signed_in_user


def current_user() -> User | None:
    """The logged-in regulator: an enterprise's user is never one (every regulator page and
    action goes through here, so none of them is open to an enterprise)."""
    user = signed_in_user()
    return None if user is None or user.is_enterprise_user else user


def current_enterprise_user() -> User | None:
    """The logged-in user of an enterprise (None for regulators and visitors)."""
    user = signed_in_user()
    return user if user is not None and user.is_enterprise_user else None


def _requiring(who: Callable[[], User | None]) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if who() is None:
                row = live_session()
                if row is not None and row.stage in NEXT_STEP:
                    return redirect(url_for(NEXT_STEP[row.stage]))
                return redirect(url_for("auth.login", next=request.full_path))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


#: regulator pages: anonymous visitors (and an enterprise's users) go to the login page, a
#: half-done login to its next step; the view gets ``current_user()``
login_required = _requiring(current_user)
#: the enterprise's own pages: the view gets ``current_enterprise_user()``
enterprise_login_required = _requiring(current_enterprise_user)
#: pages of one's own account (password, second factor): either kind of user
signin_required = _requiring(signed_in_user)


def adopt(login: Login) -> UserSession:
    """A new cookie naming the server-side session just opened (core.logins ended the
    previous one, so no id is ever promoted or reused)."""
    session.clear()
    session[SID] = login.token
    session.permanent = True
    g.user_session = login.row
    g.pop("signed_in_user", None)
    return login.row


def begin_session(user: User, stage: str) -> UserSession:
    """A new server-side session of ``user`` at ``stage`` for this browser (the previous
    one ends), and its cookie."""
    return adopt(open_login(get_session(), user, stage, live_session()))


def account_key(email: str | None) -> str | None:
    """The per-account throttle key for an e-mail as typed (None when empty)."""
    normalised = (email or "").strip().lower()[:254]
    return f"account:{normalised}" if normalised else None


def throttle_login(email: str | None) -> None:
    """Count a login attempt per address and per account (429 when spent), before any
    password is checked: spraying one password over many accounts is stopped too."""
    consume("login-address")
    key = account_key(email)
    if key:
        consume("login-account", key=key)


def lockout_settings() -> dict[str, Any]:
    """``max_failures`` and ``lockout`` from the configuration."""
    cfg = current_app.config
    return {
        "max_failures": int(cfg["LOGIN_MAX_FAILURES"]),
        "lockout": dt.timedelta(minutes=int(cfg["LOGIN_LOCKOUT_MINUTES"])),
    }


_SAFE_NEXT = {
    False: re.compile(r"/regulator/[A-Za-z0-9/_.~%?=&+-]{0,500}"),
    True: re.compile(r"/enterprise/[A-Za-z0-9/_.~%?=&+-]{0,500}"),
}


def safe_next(target: str | None, user: User | None = None) -> str:
    """Only local paths of the user's own side — the regulator pages, or an enterprise's
    user's pages — with no scheme, host, backslash or control characters."""
    enterprise = user is not None and user.is_enterprise_user
    prefix = "/enterprise/" if enterprise else "/regulator/"
    default = url_for("enterprise_account.dashboard" if enterprise else "regulator.dashboard")
    target = safe_local_path(target, prefix, default)
    return target if _SAFE_NEXT[enterprise].fullmatch(target) else default


#: where each stage of a login continues
NEXT_STEP = {"code": "mfa.code", "enrol": "mfa.enrol"}


def _after_password(user: User) -> str:
    """Where a right password leads: the code step, enrolment, or (MFA optional and not
    enrolled) straight in."""
    target = safe_next(request.args.get("next"), user)
    required = mfa_required_for(user)
    row = adopt(after_password(get_session(), user, live_session(), mfa_required=required))
    return url_for(NEXT_STEP[row.stage], next=target) if row.stage in NEXT_STEP else target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with e-mail and password; repeated failures lock the account."""
    form = LoginForm()
    error = target = None
    if request.method == "POST":
        throttle_login(request.form.get("email"))
    if form.validate_on_submit():
        user = authenticate(
            get_session(), form.email.data or "", form.password.data or "", **lockout_settings()
        )
        if user is None:
            error = _("邮箱或密码不正确，或账户已被暂时锁定。")
        else:
            target = _after_password(user)
        if target:
            return redirect(target)
    status = 401 if error else 200
    return render_template("disclosure/regulator/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> Any:
    """End this session on the server (every copy of the cookie with it); POST with a CSRF
    token, so a link elsewhere cannot log you out."""
    row = live_session()
    if row is not None:
        end_login(get_session(), row)
    session.clear()
    return redirect(url_for("auth.login"))


def require_region(region_code: str | None) -> None:
    """403 unless the current regulator may act in ``region_code``."""
    user = current_user()
    if user is None or not user.may_act_in(region_code):
        abort(403, description=_("该企业不在您的管辖区域内。"))


def session_cookie_lifetime(config: Any) -> dt.timedelta:
    """The cookie lasts as long as a session may stay idle (never past the maximum); each
    request renews it, and the server enforces both limits whatever the cookie says."""
    return dt.timedelta(
        hours=min(int(config["SESSION_IDLE_HOURS"]), int(config["SESSION_MAX_HOURS"]))
    )


def no_store(response: Any) -> Any:
    """Regulator pages (reporter identities, recovery codes) are never kept by a cache."""
    if request.path == "/regulator" or request.path.startswith("/regulator/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_auth(app: Flask) -> None:
    """Sessions, CSRF and the login pages."""
    app.session_interface = HttpsAwareSessionInterface()
    # Flask's default is 31 days: set it, do not setdefault it
    app.config["PERMANENT_SESSION_LIFETIME"] = session_cookie_lifetime(app.config)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Pages check CSRF; the API and Open311 take no cookies, so they are not checked.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.after_request(no_store)

    @app.before_request
    def _csrf() -> None:
        if request.method not in (
            "GET",
            "HEAD",
            "OPTIONS",
            "TRACE",
        ) and not request.path.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.protect()

    @app.context_processor
    def _user() -> dict[str, Any]:
        return {"current_user": current_user, "signed_in_user": signed_in_user}
