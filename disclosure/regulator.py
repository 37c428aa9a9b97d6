"""Regulator pages (login required): dashboard, inspection plans."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, Regexp

from core.db import get_session
from core.errors import NotFound, describe_in
from core.i18n import page_lang
from core.messages import msg
from core.web import attempt
from credit.board.reports import overdue_messages
from credit.cases.inspection_plans import (
    MAX_COUNT,
    create_inspection_plan,
    find_plan,
    list_plans,
    plan_rows,
    plan_sizes,
)
from credit.ratings.levels import LEVEL_NAMES
from disclosure.auth import current_user, login_required, require_region

bp = Blueprint("regulator", __name__, url_prefix="/regulator")


def actor() -> str:
    user = current_user()
    return f"user:{user.id}" if user else "anonymous"


@bp.get("/")
@login_required
def dashboard() -> Any:
    """The regulator's start page, with the board messages of my region past their deadline."""
    user = current_user()
    assert user is not None
    return render_template(
        "disclosure/regulator/dashboard.html",
        board_overdue=overdue_messages(get_session(), user),
    )


class PlanForm(FlaskForm):
    region = StringField(_l("行政区划代码"), validators=[DataRequired(), Regexp(r"^\d{6}$")])
    count = IntegerField(_l("抽取数量"), validators=[DataRequired(), NumberRange(1, MAX_COUNT)])
    seed = IntegerField(_l("随机种子"), validators=[NumberRange(0, 2**31 - 1)])


@bp.route("/plans", methods=["GET", "POST"])
@login_required
def plans() -> Any:
    """Saved 双随机 inspection plans; draw a new one."""
    user = current_user()
    assert user is not None
    form = PlanForm(region=request.form.get("region", user.region_code))
    session = get_session()
    error = None
    if form.validate_on_submit():
        require_region(form.region.data)
        plan, failed = attempt(
            create_inspection_plan,
            session,
            form.region.data or "",
            form.count.data or 0,
            form.seed.data or 0,
            actor(),
        )
        if plan is not None:
            flash(_("检查计划已生成。"))
            return redirect(url_for("regulator.plan", plan_id=plan.id))
        error = describe_in(failed, page_lang()) if failed else None
    items = list_plans(session, user.scope_prefix)
    sizes = plan_sizes(session, [p.id for p in items])
    status = 422 if (form.errors or error) else 200
    return render_template(
        "disclosure/regulator/plans.html", form=form, plans=items, sizes=sizes, error=error
    ), status


@bp.get("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int) -> Any:
    """One plan's drawn enterprises."""
    session = get_session()
    item = find_plan(session, plan_id)
    if item is None:
        raise NotFound(msg("未找到编号为 %(id)s 的检查计划", id=plan_id))
    require_region(item.region_code)
    return render_template(
        "disclosure/regulator/plan.html",
        plan=item,
        rows=plan_rows(session, plan_id),
        levels=LEVEL_NAMES,
    )
