"""Regulator reward pages (有奖举报): propose, approve, decline and pay from the tip-off page,
each confirmed on a second page, and /regulator/rewards, what awaits me.

The first POST of a step only shows what will happen; its form carries a signed token of
the step and its fields (bound to the officer and the report, valid 15 minutes), and only
a second POST with that token runs the service, so a crafted POST cannot skip the
confirmation. It works without JavaScript.
"""

from __future__ import annotations

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
    url_for,
)
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from core.clock import cn_time
from core.db import get_session
from core.i18n import html_lang
from core.messages import in_language
from core.users import User
from core.web import attempt
from credit.rewards.workflow import (
    approve_reward,
    awaiting,
    decline_reward,
    pay_reward,
    propose_reward,
    reward_panel,
)
from disclosure.auth import current_user, login_required

bp = Blueprint("regrewards", __name__, url_prefix="/regulator")
CONFIRM_SECONDS = 15 * 60
Step = Callable[[Session, User, int, dict[str, str]], object]

#: step → (its fields, the service call, the done message, the confirm page's heading)
STEPS: dict[str, tuple[tuple[str, ...], Step, LazyString, LazyString]] = {
    "propose": (
        ("outcome", "amount", "reason"),
        lambda s, u, i, f: propose_reward(
            s, u, i, outcome=f["outcome"], amount=f["amount"], reason=f["reason"]
        ),
        _l("已提议奖励，待另一名办理人员审批。"),
        _l("确认提议奖励"),
    ),
    "approve": (
        ("note",),
        lambda s, u, i, f: approve_reward(s, u, i, note=f["note"]),
        _l("已批准奖励。"),
        _l("确认批准奖励"),
    ),
    "decline": (
        ("reason",),
        lambda s, u, i, f: decline_reward(s, u, i, reason=f["reason"]),
        _l("已决定不予奖励。"),
        _l("确认不予奖励"),
    ),
    "pay": (
        ("reference",),
        lambda s, u, i, f: pay_reward(s, u, i, reference=f["reference"]),
        _l("已登记奖励发放。"),
        _l("确认奖励已发放"),
    ),
}


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="reward-confirm")


def _back(tipoff_id: int) -> Any:
    return redirect(url_for("regtipoffs.detail", tipoff_id=tipoff_id, _anchor="reward"), 303)


@bp.post("/tipoffs/<int:tipoff_id>/reward/<step>")
@login_required
def step(tipoff_id: int, step: str) -> Any:
    """First POST: the confirmation page. Second POST (with its token): do it."""
    if step not in STEPS:
        abort(404)
    names, run, done, heading = STEPS[step]
    user = _user()
    token = request.form.get("confirm_token", "")
    if not token:
        fields = {name: request.form.get(name, "")[:2000].strip() for name in names}
        panel = reward_panel(get_session(), user, tipoff_id)
        signed = _signer().dumps([user.id, tipoff_id, step, fields])
        return render_template(
            "disclosure/rewards/confirm.html",
            step=step,
            heading=heading,
            fields=fields,
            token=signed,
            tipoff_id=tipoff_id,
            p=panel,
        )
    try:
        uid, tid, signed_step, fields = _signer().loads(token, max_age=CONFIRM_SECONDS)
    except BadSignature:
        flash(str(_l("确认已失效，请重新操作。")), "error")
        return _back(tipoff_id)
    if (uid, tid, signed_step) != (user.id, tipoff_id, step):
        flash(str(_l("确认已失效，请重新操作。")), "error")
        return _back(tipoff_id)
    _done, error = attempt(run, get_session(), user, tipoff_id, fields)
    if error is None:
        flash(str(done))
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
    return _back(tipoff_id)


@bp.get("/rewards")
@login_required
def queue() -> Any:
    """Rewards of my region awaiting my approval, and approved rewards awaiting payment."""
    return render_template(
        "disclosure/rewards/queue.html", a=awaiting(get_session(), _user()), cn=cn_time
    )
