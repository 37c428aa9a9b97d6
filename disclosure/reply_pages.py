"""The enterprise's replies and its credit pledge: write a reply to one of its records or
its rating (it waits for a regulator), see each reply's state, sign this year's pledge.

Logged-in enterprise users only; every page shows its own enterprise and takes none as a
parameter (the record a reply answers is checked to be the enterprise's own)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.clock import today as china_today
from core.db import get_session
from core.errors import DomainError
from core.users import User
from core.web import attempt
from credit.pledges.signing import pledge_page, sign_pledge
from credit.replies.filing import (
    MAX_LENGTH,
    TARGET_NAMES,
    file_reply,
    own_replies,
    parse_target,
    reply_targets,
)
from disclosure.auth import current_enterprise_user, enterprise_login_required

bp = Blueprint("enterprise_replies", __name__, url_prefix="/enterprise")


def _user() -> User:
    user = current_enterprise_user()
    assert user is not None  # enterprise_login_required
    return user


def _replies_page(
    user: User, *, error: DomainError | None = None, text: str = "", chosen: str = ""
) -> Any:
    session = get_session()
    return render_template(
        "disclosure/enterprise_account/replies.html",
        user=user,
        rows=own_replies(session, user),
        targets=reply_targets(session, user, china_today()),
        names=TARGET_NAMES,
        error=error,
        text=text,
        chosen=chosen or request.args.get("target", "rating:"),
        max_length=MAX_LENGTH,
    )


@bp.get("/replies")
@enterprise_login_required
def replies() -> Any:
    """The enterprise's replies with their state, and the form for a new one."""
    return _replies_page(_user())


def _file(session: Any, user: User, target: str, text: str) -> Any:
    kind, ident = parse_target(target)
    return file_reply(session, user, target_type=kind, target_id=ident, text=text)


@bp.post("/replies")
@enterprise_login_required
def new_reply() -> Any:
    """File a reply; it shows publicly only after a regulator approved it."""
    user = _user()
    target, text = request.form.get("target", "")[:40], request.form.get("text", "")[:2000]
    reply, error = attempt(_file, get_session(), user, target, text)
    if reply is not None:
        if reply.status == "held":
            flash(_("说明已提交，但似乎含有个人信息（电话、身份证号或邮箱），审核时将不予公开。"))
        else:
            flash(_("说明已提交，经监管部门审核后公开。"))
        return redirect(url_for("enterprise_replies.replies"), 303)
    assert error is not None
    if error.status == 404:
        raise error
    return _replies_page(user, error=error, text=text, chosen=target), error.status


@bp.route("/pledge", methods=["GET", "POST"])
@enterprise_login_required
def pledge() -> Any:
    """The credit pledge text; a manager signs it for this year."""
    user, session = _user(), get_session()
    error = None
    if request.method == "POST":
        signed, error = attempt(
            sign_pledge,
            session,
            user,
            name=request.form.get("name", "")[:200],
            version=request.form.get("version", "")[:20],
            agreed=request.form.get("agree") == "yes",
            today=china_today(),
        )
        if signed is not None:
            flash(_("已签署信用承诺，企业公开页面将显示签署日期。"))
            return redirect(url_for("enterprise_replies.pledge"), 303)
    text, current = pledge_page(session, user, china_today())
    status = error.status if error is not None else 200
    return render_template(
        "disclosure/enterprise_account/pledge.html",
        user=user,
        text=text,
        pledge=current,
        error=error,
        name=request.form.get("name", user.name),
    ), status
