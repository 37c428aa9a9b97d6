"""Regulator board pages (login required, own region only): the moderation queue, the
messages awaiting an answer, the overdue ones; one message with its actions.

Each action is one POST form (CSRF-checked by ``disclosure.auth``) calling one service
function; the outcome is flashed and the browser goes back to the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.clock import cn_time
from core.db import get_session
from core.i18n import html_lang
from core.messages import Msg, in_language
from core.users import User
from core.web import attempt
from credit.board.moderation import (
    answer_message,
    approve_message,
    get_message,
    moderation_queue,
    reject_message,
    unanswered,
)
from credit.board.referral import refer_to_case, refer_to_tipoff
from credit.board.reports import overdue_messages
from credit.supervision.classes import case_classes
from credit.tipoffs.vocabulary import CATEGORY_NAMES, named
from disclosure.auth import current_user, login_required
from disclosure.board_pages import category_names

bp = Blueprint("regboard", __name__, url_prefix="/regulator/board")
Action = Callable[[Session, User, int, Callable[[str], str]], object]


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


@bp.get("/")
@login_required
def queue() -> Any:
    """Messages of my region to moderate, to answer, and those past their deadline."""
    session, user = get_session(), _user()
    return render_template(
        "disclosure/board/queue.html",
        waiting=moderation_queue(session, user),
        open=unanswered(session, user),
        overdue=overdue_messages(session, user),
        categories=category_names(),
        cn=cn_time,
    )


@bp.get("/<int:message_id>")
@login_required
def detail(message_id: int) -> Any:
    """One message with its moderation state and the actions open to it."""
    found = get_message(get_session(), _user(), message_id)
    return render_template(
        "disclosure/board/detail.html",
        m=found,
        categories=category_names(),
        tipoff_categories={k: named(v) for k, v in CATEGORY_NAMES.items()},
        case_classes={k: Msg(c.zh, c.en) for k, c in case_classes().items()},
        cn=cn_time,
    )


def _form(name: str) -> str:
    return request.form.get(name, "")[:4000]


ACTIONS: dict[str, tuple[Action, LazyString]] = {
    "approve": (
        lambda s, u, i, f: approve_message(
            s, u, i, title=f("title") or None, body=f("body") or None, note=f("note")
        ),
        _l("留言已发布。"),
    ),
    "reject": (
        lambda s, u, i, f: reject_message(s, u, i, reason=f("reason")),
        _l("已决定不予发布。"),
    ),
    "answer": (
        lambda s, u, i, f: answer_message(s, u, i, answer=f("answer"), office=f("office")),
        _l("答复已公开。"),
    ),
    "tipoff": (
        lambda s, u, i, f: refer_to_tipoff(s, u, i, category=f("category"), location=f("location")),
        _l("已转为举报。"),
    ),
    "case": (
        lambda s, u, i, f: refer_to_case(s, u, i, case_class=f("case_class")),
        _l("已立为问题线索。"),
    ),
}


@bp.post("/<int:message_id>/<action>")
@login_required
def act(message_id: int, action: str) -> Any:
    """Run one action on a message; errors are flashed, 403 outside my region."""
    if action not in ACTIONS:
        abort(404)
    run, done = ACTIONS[action]
    _done, error = attempt(run, get_session(), _user(), message_id, _form)
    if error is None:
        flash(str(done))
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
    return redirect(url_for("regboard.detail", message_id=message_id), 303)
