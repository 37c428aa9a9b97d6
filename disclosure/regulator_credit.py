"""Regulator credit pages: an enterprise's credit view, adjustments, objections, repair."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.clock import cn_time
from core.clock import today as china_today
from core.db import get_session
from core.errors import describe_in
from core.i18n import page_lang
from core.web import attempt, safe_local_path
from credit.cases.adjustments import (
    adjustments_for,
    decide_adjustment,
    pending_adjustments,
    propose_adjustment,
    require_scope,
)
from credit.cases.objections import decide_objection, open_cases
from credit.cases.repairs import decide_repair
from credit.ratings.levels import LEVEL_NAMES, LEVELS
from credit.records.listing import get_enterprise, rating_history
from disclosure.auth import current_user, login_required
from disclosure.confirmation import confirmation_page, needs_confirmation

bp = Blueprint("regcredit", __name__, url_prefix="/regulator")


class AdjustmentForm(FlaskForm):
    # starts empty: the proposer chooses a level, none is preselected
    to_level = SelectField(
        _l("目标等级"),
        choices=[
            SelectChoice("", _l("请选择目标等级")),
            *(SelectChoice(lv, _l(LEVEL_NAMES[lv])) for lv in LEVELS),
        ],
        default="",
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("调整理由"), validators=[DataRequired(), Length(max=4000)])
    evidence = TextAreaField(_l("证据"), validators=[Optional(), Length(max=4000)])
    expires_at = DateField(_l("有效期至"), validators=[DataRequired()])


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("意见"), validators=[Optional(), Length(max=4000)])


def _user() -> Any:
    user = current_user()
    assert user is not None
    return user


#: the destructive decisions' confirmation pages (``disclosure.confirmation``)
CONFIRM = {
    "adjustment": (
        _l("驳回调整申请"),
        _l("调整申请将被驳回，企业的公开等级不变。"),
        _l("确认驳回"),
    ),
    "objection": (
        _l("异议不成立（驳回异议）"),
        _l("异议将被驳回，争议记录继续公示，处理意见告知企业。"),
        _l("确认驳回"),
    ),
}


def _confirm_page(kind: str, error: Any, back_url: str) -> Any:
    """The second step's page when ``error`` asks for it, else None."""
    if not needs_confirmation(error):
        return None
    title, consequence, button = CONFIRM[kind]
    return confirmation_page(
        title=title,
        consequence=consequence,
        button=button,
        action_url=request.path,
        back_url=back_url,
    )


def _confirmed() -> bool:
    return request.form.get("confirm") == "yes"


def _commit_or_flash(action: Any) -> bool:
    """Run a service call; a domain error becomes a flashed message (403 stays a 403)."""
    _done, error = attempt(action, get_session())
    return _passed(error)


def _passed(error: Any) -> bool:
    """True without ``error``; else flash it (a 403 stays a 403) and say False."""
    if error is None:
        return True
    if error.status == 403:
        raise error
    # a flashed message is stored as a plain string: it is put in the page's language now
    flash(describe_in(error, page_lang()), "error")
    return False


@bp.get("/enterprises")
@login_required
def find() -> Any:
    """Jump to an enterprise's credit view by USCC."""
    uscc = request.args.get("uscc", "").strip()[:64]
    return redirect(url_for("regcredit.enterprise", uscc=uscc or "-"))


@bp.get("/enterprises/<uscc>")
@login_required
def enterprise(uscc: str) -> Any:
    """Score, level, explanation linked to records, history and adjustments."""
    session = get_session()
    ent = get_enterprise(session, uscc)
    require_scope(_user(), ent)
    history = rating_history(session, ent.id)
    form = AdjustmentForm(expires_at=china_today() + dt.timedelta(days=90))
    return render_template(
        "disclosure/regulator/enterprise.html",
        ent=ent,
        current=next((r for r in history if r.is_current), None),
        history=history,
        adjustments=adjustments_for(session, ent.id),
        form=form,
        decision=DecisionForm(),
        levels=LEVEL_NAMES,
    )


@bp.post("/enterprises/<uscc>/adjustments")
@login_required
def propose(uscc: str) -> Any:
    """Propose an adjustment (another regulator must approve it)."""
    session = get_session()
    ent = get_enterprise(session, uscc)
    form = AdjustmentForm()
    if not form.validate():
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}{_('：')}{' '.join(errors)}", "error")
    elif _commit_or_flash(
        lambda s: propose_adjustment(
            s,
            _user(),
            ent,
            to_level=form.to_level.data or "",
            reason=form.reason.data or "",
            evidence=form.evidence.data,
            expires_at=form.expires_at.data,
            today=china_today(),
        )
    ):
        flash(_("调整申请已提交，等待另一名监管人员审批。"))
    return redirect(url_for("regcredit.enterprise", uscc=ent.uscc))


@bp.post("/adjustments/<int:adjustment_id>/<any(approve, reject):verdict>")
@login_required
def decide(adjustment_id: int, verdict: str) -> Any:
    """Approve or reject someone else's proposal (four-eyes, enforced by the service)."""
    form = DecisionForm()
    back = safe_local_path(request.form.get("back"), "/regulator/", url_for("regcredit.cases"))
    if not form.validate():
        return redirect(back)
    _done, error = attempt(
        lambda s: decide_adjustment(
            s,
            _user(),
            adjustment_id,
            approve=verdict == "approve",
            note=form.note.data,
            confirmed=_confirmed(),
        ),
        get_session(),
    )
    page = _confirm_page("adjustment", error, back)
    if page is not None:
        return page
    if _passed(error):
        flash(_("已处理调整申请。"))
    return redirect(back)


@bp.get("/todo")
@login_required
def cases() -> Any:
    """Pending adjustments, open objections and repair applications in my region."""
    session = get_session()
    prefix = _user().scope_prefix
    objections, repairs = open_cases(session, prefix)
    return render_template(
        "disclosure/regulator/cases.html",
        levels=LEVEL_NAMES,
        adjustments=pending_adjustments(session, prefix),
        objections=objections,
        repairs=repairs,
        form=DecisionForm(),
        today=china_today(),
        cn=cn_time,
    )


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("处理意见"), validators=[DataRequired(), Length(max=4000)])


@bp.post("/objections/<int:objection_id>/<any(uphold, reject):verdict>")
@login_required
def answer_objection(objection_id: int, verdict: str) -> Any:
    """Answer an objection; upholding withdraws the record and the rating follows."""
    form = AnswerForm()
    if not form.validate():
        flash(_("请填写处理意见。"), "error")
        return redirect(url_for("regcredit.cases"))
    _done, error = attempt(
        lambda s: decide_objection(
            s,
            _user(),
            objection_id,
            uphold=verdict == "uphold",
            decision=form.text.data or "",
            today=china_today(),
            confirmed=_confirmed(),
        ),
        get_session(),
    )
    page = _confirm_page("objection", error, url_for("regcredit.cases"))
    if page is not None:
        return page
    if _passed(error):
        flash(_("已答复异议。"))
    return redirect(url_for("regcredit.cases"))


@bp.post("/repairs/<int:application_id>/<any(approve, reject):verdict>")
@login_required
def answer_repair(application_id: int, verdict: str) -> Any:
    """Approve or reject a credit repair application."""
    form = DecisionForm()
    if form.validate() and _commit_or_flash(
        lambda s: decide_repair(
            s,
            _user(),
            application_id,
            approve=verdict == "approve",
            note=form.note.data,
            today=china_today(),
        )
    ):
        flash(_("已处理信用修复申请。"))
    return redirect(url_for("regcredit.cases"))


@bp.get("/simulate")
@login_required
def simulate_page() -> Any:
    """Level-transition matrix of a candidate rulebook for the enterprises in my region."""
    from credit.ratings.loader import active_rulebook, available_rulebooks
    from credit.ratings.simulation import region_enterprise_ids, simulate

    names = available_rulebooks()
    name = request.args.get("rulebook", "")
    matrix = None
    current = active_rulebook()
    if name in names:
        session = get_session()
        ids = region_enterprise_ids(session, _user().scope_prefix)
        matrix = simulate(session, active_rulebook(name), china_today(), current, ids)
    return render_template(
        "disclosure/regulator/simulate.html",
        names=names,
        name=name,
        matrix=matrix,
        current=current,
        levels=LEVELS,
    )
