"""Regulators moderate enterprises' replies (login required, own region only): the queue,
approve in one POST, reject through a confirmation page that asks for the reason (a second
step that works without JavaScript)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from core.clock import cn_time
from core.db import get_session
from core.i18n import html_lang
from core.messages import in_language
from core.users import User
from core.web import attempt
from credit.replies.filing import TARGET_NAMES
from credit.replies.moderation import approve_reply, get_reply, reject_reply, reply_queue
from disclosure.auth import current_user, login_required

bp = Blueprint("regreplies", __name__, url_prefix="/regulator/replies")


def _user() -> User:
    user = current_user()
    assert user is not None  # login_required
    return user


@bp.get("/")
@login_required
def queue() -> Any:
    """Replies of my region waiting for a decision, held ones first."""
    return render_template(
        "disclosure/regulator/replies.html",
        rows=reply_queue(get_session(), _user()),
        names=TARGET_NAMES,
        cn=cn_time,
    )


@bp.post("/<int:reply_id>/approve")
@login_required
def approve(reply_id: int) -> Any:
    """Publish a reply (403 outside my region)."""
    _done, error = attempt(approve_reply, get_session(), _user(), reply_id)
    if error is None:
        flash(_("企业说明已公开。"))
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
    return redirect(url_for("regreplies.queue"), 303)


@bp.route("/<int:reply_id>/reject", methods=["GET", "POST"])
@login_required
def reject(reply_id: int) -> Any:
    """The confirmation page with the reason (GET), the rejection itself (POST)."""
    session, user = get_session(), _user()
    error = None
    if request.method == "POST":
        reason = request.form.get("reason", "")[:2000]
        done, error = attempt(reject_reply, session, user, reply_id, reason=reason)
        if done is not None:
            flash(_("已决定不予公开。"))
            return redirect(url_for("regreplies.queue"), 303)
        assert error is not None
        if error.status in (403, 404):
            raise error
    reply = get_reply(session, user, reply_id)
    return render_template(
        "disclosure/regulator/reply_reject.html",
        r=reply,
        names=TARGET_NAMES,
        error=error,
        reason=request.form.get("reason", ""),
        cn=cn_time,
    ), (error.status if error else 200)
