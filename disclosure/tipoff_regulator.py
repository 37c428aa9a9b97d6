"""Regulator tip-off pages (login required, own region only): the queue, one report, actions.

Each action is one POST form (CSRF-checked by ``disclosure.auth``) calling one service
function; the outcome is flashed and the browser goes back to the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.clock import cn_time, local_date
from core.db import get_session
from core.errors import Invalid
from core.i18n import html_lang
from core.messages import in_language
from core.users import User
from core.web import attempt, page_number
from credit.rewards.workflow import reward_panel
from credit.tipoffs.attachments import attachment_path
from credit.tipoffs.duplicates import (
    dismiss_flag,
    queue_with_flags,
    reasons,
)
from credit.tipoffs.merging import merge_plan, merge_reports
from credit.tipoffs.models import TIPOFF_STATUSES
from credit.tipoffs.outcome import close_tipoff, decide_reopen, mark_duplicate
from credit.tipoffs.placing import place_tipoff
from credit.tipoffs.timeline import as_message
from credit.tipoffs.tracking import is_overdue
from credit.tipoffs.vocabulary import (
    CATEGORY_NAMES,
    EVENT_NAMES,
    SATISFACTION_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    named,
)
from credit.tipoffs.workflow import (
    MAX_EXTENSION_DAYS,
    SORTS,
    QueueFilter,
    accept_tipoff,
    assign_tipoff,
    classify_tipoff,
    extend_tipoff,
    get_attachment,
    reject_tipoff,
    set_reward_eligible,
    start_investigation,
)
from credit.transfers.listing import tipoff_page
from disclosure.auth import current_user, login_required
from disclosure.confirmation import confirmation_page, needs_confirmation

bp = Blueprint("regtipoffs", __name__, url_prefix="/regulator/tipoffs")
Action = Callable[[Session, User, int, Any], object]


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _today() -> dt.date:
    return local_date(dt.datetime.now(dt.UTC))


def _int(value: str | None, field: str) -> int:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise Invalid(f"{field} 须为正整数 / {field} must be a whole number", {field: ["int"]})
    return int(text)


def _bool(value: str | None, field: str) -> bool:
    if value not in {"yes", "no"}:
        raise Invalid(f"请选择{field} / choose {field}", {field: ["yes or no"]})
    return value == "yes"


def _named(names: dict[str, str]) -> dict[str, Any]:
    """A vocabulary with each name in both languages, for ``in_lang`` in the templates."""
    return {key: named(name) for key, name in names.items()}


@bp.get("/")
@login_required
def queue() -> Any:
    """Tip-offs of my region: filter by status, category and severity; overdue highlighted."""
    args = request.args
    filters = QueueFilter(
        status=args.get("status", ""),
        category=args.get("category", ""),
        severity=args.get("severity", ""),
        overdue=args.get("overdue") == "1",
        reopen=args.get("reopen") == "1",
        sort=args.get("sort", "deadline"),
        page=page_number(args),
    )
    result, flags = queue_with_flags(get_session(), _user(), filters, _today())
    return render_template(
        "disclosure/tipoffs/queue.html",
        q=result,
        flags=flags,
        statuses=_named(STATUS_NAMES),
        categories=_named(CATEGORY_NAMES),
        severities=_named(SEVERITY_NAMES),
        sorts=SORTS,
        status_keys=TIPOFF_STATUSES,
    )


@bp.get("/<int:tipoff_id>")
@login_required
def detail(tipoff_id: int) -> Any:
    """One report with the reporter's identity (regulators only), timeline and actions."""
    data = tipoff_page(get_session(), _user(), tipoff_id, _today())
    return render_template(
        "disclosure/tipoffs/detail.html",
        reasons=reasons,
        d=data,
        rw=reward_panel(get_session(), _user(), tipoff_id),
        t=data["tipoff"],
        statuses=_named(STATUS_NAMES),
        categories=_named(CATEGORY_NAMES),
        severities=_named(SEVERITY_NAMES),
        events=_named(EVENT_NAMES),
        satisfaction={k: named(v) for k, v in SATISFACTION_NAMES.items()},
        note=as_message,
        overdue=is_overdue(data["tipoff"], _today()),
        max_days=MAX_EXTENSION_DAYS,
        cn=cn_time,
    )


def _form(name: str) -> str:
    return request.form.get(name, "")[:4000]


def _yes(form: Callable[[str], str]) -> bool:
    """The second step of a destructive action was posted (``disclosure.confirmation``)."""
    return form("confirm") == "yes"


#: the destructive actions' confirmation pages: title, what will happen, the button
CONFIRM: dict[str, tuple[LazyString, LazyString, LazyString]] = {
    "reject": (
        _l("不予受理"),
        _l("举报将不予受理，举报人会看到不予受理及理由。"),
        _l("确认不予受理"),
    ),
    "duplicate": (
        _l("合并为重复举报"),
        _l("本举报将结束办理，其举报人此后看到原举报的办理进度。"),
        _l("确认合并"),
    ),
    "close": (
        _l("办结"),
        _l("举报将办结，办理结果向举报人公开；属实的举报计入企业信用记录。"),
        _l("确认办结"),
    ),
    "reopen": (
        _l("答复重新处理申请"),
        _l("将驳回举报人的重新处理申请，维持原办理结果。"),
        _l("确认驳回"),
    ),
}

ACTIONS: dict[str, tuple[Action, LazyString]] = {
    "accept": (lambda s, u, i, f: accept_tipoff(s, u, i, note=f("note")), _l("已受理。")),
    "reject": (
        lambda s, u, i, f: reject_tipoff(s, u, i, reason=f("reason"), confirmed=_yes(f)),
        _l("已决定不予受理。"),
    ),
    "assign": (
        lambda s, u, i, f: assign_tipoff(s, u, i, assignee_id=_int(f("assignee"), "assignee")),
        _l("已交办。"),
    ),
    "classify": (
        lambda s, u, i, f: classify_tipoff(s, u, i, severity=f("severity")),
        _l("已定级。"),
    ),
    "investigate": (
        lambda s, u, i, f: start_investigation(s, u, i, note=f("note")),
        _l("已开始调查。"),
    ),
    "extend": (
        lambda s, u, i, f: extend_tipoff(s, u, i, days=_int(f("days"), "days"), reason=f("reason")),
        _l("已延长办理期限。"),
    ),
    "close": (
        lambda s, u, i, f: close_tipoff(
            s,
            u,
            i,
            outcome=f("outcome"),
            substantiated=_bool(f("substantiated"), "substantiated"),
            confirmed=_yes(f),
        ),
        _l("已办结。"),
    ),
    "duplicate": (
        lambda s, u, i, f: mark_duplicate(s, u, i, original=f("original"), confirmed=_yes(f)),
        _l("已合并。"),
    ),
    "not-duplicate": (
        lambda s, u, i, f: dismiss_flag(s, u, i, _int(f("other"), "other")),
        _l("已标记为不是同一问题，不再提示。"),
    ),
    "reward": (
        lambda s, u, i, f: set_reward_eligible(s, u, i, eligible=_bool(f("eligible"), "eligible")),
        _l("已更新有奖举报认定。"),
    ),
    "reopen": (
        lambda s, u, i, f: decide_reopen(
            s, u, i, reopen=_bool(f("reopen"), "reopen"), note=f("note"), confirmed=_yes(f)
        ),
        _l("已答复重新处理申请。"),
    ),
    "place": (
        lambda s, u, i, f: place_tipoff(s, u, i, region_code=f("region_code")),
        _l("已确定办理地区。"),
    ),
}


@bp.post("/<int:tipoff_id>/<action>")
@login_required
def act(tipoff_id: int, action: str) -> Any:
    """Run one action on a report; errors are flashed, 403 outside my region."""
    if action not in ACTIONS:
        abort(404)
    run, done = ACTIONS[action]
    _done, error = attempt(run, get_session(), _user(), tipoff_id, _form)
    if action in CONFIRM and needs_confirmation(error):
        title, consequence, button = CONFIRM[action]
        return confirmation_page(
            title=title,
            consequence=consequence,
            button=button,
            action_url=url_for("regtipoffs.act", tipoff_id=tipoff_id, action=action),
            back_url=url_for("regtipoffs.detail", tipoff_id=tipoff_id),
        )
    if error is None:
        flash(str(done))
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
    return redirect(url_for("regtipoffs.detail", tipoff_id=tipoff_id), 303)


def _others() -> list[str]:
    return [v[:12] for v in request.form.getlist("others")[:100]]


@bp.post("/<int:tipoff_id>/merge")
@login_required
def merge(tipoff_id: int) -> Any:
    """The first step of a merge: what will happen, and the button that confirms it."""
    plan, error = attempt(merge_plan, get_session(), _user(), tipoff_id, _others())
    if error is not None:
        if error.status in (403, 404):
            raise error
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
        return redirect(url_for("regtipoffs.detail", tipoff_id=tipoff_id), 303)
    return render_template(
        "disclosure/tipoffs/merge_confirm.html",
        plan=plan,
        categories=_named(CATEGORY_NAMES),
        statuses=_named(STATUS_NAMES),
        cn=cn_time,
    )


@bp.post("/<int:tipoff_id>/merge/confirm")
@login_required
def merge_confirmed(tipoff_id: int) -> Any:
    """The confirmed merge (refused without the first step's confirmation)."""
    confirm = request.form.get("confirm", "")[:128]
    plan, error = attempt(
        lambda: merge_reports(get_session(), _user(), tipoff_id, _others(), confirm=confirm)
    )
    if error is None:
        flash(_("已合并 %(n)s 件举报。", n=len(plan.others)))
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
    return redirect(url_for("regtipoffs.detail", tipoff_id=tipoff_id), 303)


@bp.get("/<int:tipoff_id>/attachments/<int:attachment_id>")
@login_required
def attachment(tipoff_id: int, attachment_id: int) -> Any:
    """Download an attachment (never rendered inline, never sniffed)."""
    item = get_attachment(get_session(), _user(), tipoff_id, attachment_id)
    path = attachment_path(current_app.config["UPLOAD_DIR"], item.storage_name)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
