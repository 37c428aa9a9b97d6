"""The public message board (厅长我留言): published messages with their answers, one
message, and the form to post one.

The form posts with a CSRF token (checked for every page POST by ``disclosure.auth``) and a
spam-trap field; every post counts against the per-address bucket "board-post"
(``core.limits``) before anything else. A post is never shown at once: it waits for a
moderator, and the page says so.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from core.clock import today as china_today
from core.db import get_session
from core.errors import DomainError
from core.limits import consume
from core.messages import Msg
from core.web import attempt, page_number
from credit.board.config import board_rules
from credit.board.posting import MessageInput, post_message
from credit.board.public import is_late, list_published, published_message
from credit.tipoffs.tracking import region_choices

log = logging.getLogger(__name__)
bp = Blueprint("board", __name__)
HONEYPOT = "website"
FIELDS = ("category", "title", "body", "region_code", "display_name")


def category_names() -> dict[str, Msg]:
    """Each category's name in both languages (``in_lang`` in templates)."""
    return {key: Msg(c.zh, c.en) for key, c in board_rules().categories.items()}


def _answer_days() -> dict[str, int]:
    return {key: c.workdays_to_answer for key, c in board_rules().categories.items()}


@bp.get("/board")
def index() -> Any:
    """Published messages, the newest first, with their answers; paged."""
    data = list_published(get_session(), page=page_number(request.args))
    return render_template(
        "disclosure/board/index.html",
        b=data,
        categories=category_names(),
        late=is_late,
        today=china_today(),
        posted=request.args.get("posted") == "1",
    )


@bp.get("/board/<int:message_id>")
def message(message_id: int) -> Any:
    """One published message and its answer."""
    view = published_message(get_session(), message_id)
    return render_template(
        "disclosure/board/message.html",
        m=view,
        categories=category_names(),
        late=is_late(view, china_today()),
    )


def _form_page(values: dict[str, str], error: DomainError | None = None, status: int = 200) -> Any:
    page = render_template(
        "disclosure/board/new.html",
        values=values,
        error=error,
        categories=category_names(),
        answer_days=_answer_days(),
        regions=region_choices(get_session()),
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/board/new", methods=["GET", "POST"])
def new() -> Any:
    """The form; on success, back to the board with a note that the post awaits review."""
    if request.method == "GET":
        return _form_page({})
    values = {k: request.form.get(k, "")[:4000] for k in FIELDS}
    try:
        consume("board-post")
    except TooManyRequests as exc:
        wait = exc.retry_after if isinstance(exc.retry_after, int) else 60
        text = _(
            "提交过于频繁：同一网络每小时可提交的留言数量有限，请在 %(n)s 分钟后再试。",
            n=max(1, -(-wait // 60)),
        )
        response = _form_page(values, DomainError(text), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    if request.form.get(HONEYPOT):
        log.info("board spam trap triggered; nothing stored")
        return _form_page(values, DomainError(_("提交未成功，请稍后重试。")), 400)
    _posted, error = attempt(post_message, get_session(), MessageInput(**values))
    if error is not None:
        return _form_page(values, error, 422)
    return redirect(url_for("board.index", posted="1"), 303)
