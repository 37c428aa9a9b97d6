"""Regulator pages (login required): the workbench (待办) and deadlines, inspection plans."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, Regexp

from core.clock import today as china_today
from core.db import get_session
from core.errors import NotFound, describe_in
from core.i18n import page_lang
from core.messages import msg
from core.web import attempt
from credit.cases.inspection_plans import (
    MAX_COUNT,
    create_inspection_plan,
    find_plan,
    list_plans,
    plan_rows,
    plan_sizes,
)
from credit.ratings.levels import LEVEL_NAMES
from credit.workbench.deadlines import AGE_BUCKETS, deadline_report, deadlines_csv
from credit.workbench.todo import KINDS, SOON_WORKDAYS, workbench
from disclosure.auth import current_user, login_required, require_region

bp = Blueprint("regulator", __name__, url_prefix="/regulator")


def actor() -> str:
    user = current_user()
    return f"user:{user.id}" if user else "anonymous"


@bp.get("/")
@login_required
def dashboard() -> Any:
    """The workbench: my to-do list (new, due soon, overdue, approvals, deadlines, cases)."""
    user = current_user()
    assert user is not None
    return render_template(
        "disclosure/regulator/dashboard.html",
        bench=workbench(get_session(), user),
        kinds=KINDS,
        soon_days=SOON_WORKDAYS,
    )


def _deadline_report() -> Any:
    user = current_user()
    assert user is not None
    args = request.args
    return deadline_report(
        get_session(),
        user,
        region=args.get("region", "")[:12],
        month=args.get("month", "")[:12],
        today=china_today(),
    )


@bp.get("/deadlines")
@login_required
def deadlines() -> Any:
    """On-time acceptance and closure, mean days, ageing: a region and month (12369 figures)."""
    return render_template(
        "disclosure/regulator/deadlines.html", r=_deadline_report(), buckets=AGE_BUCKETS
    )


@bp.get("/deadlines.csv")
@login_required
def deadlines_download() -> Any:
    """The deadlines page as CSV (UTF-8 with a BOM), one row per county and the total."""
    report = _deadline_report()
    name = f"deadlines-{report.region_code}-{report.month}.csv"
    return Response(
        deadlines_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
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
