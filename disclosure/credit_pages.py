"""Public credit pages: an enterprise's file, penalty notices, objections and repair.

Filing an objection or a repair application counts against the per-address "case-file"
bucket (``core.limits``) before anything else, refused attempts included (security F15).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from core.clock import cn_time
from core.clock import today as china_today
from core.db import get_session
from core.limits import consume
from core.web import attempt, external_url
from credit.cases.objections import file_objection
from credit.cases.progress import case_progress
from credit.cases.repairs import apply_for_repair
from credit.data_errors.public import is_under_review, markers
from credit.monitoring.browsing import enterprise_outlets
from credit.ratings.levels import LEVEL_NAMES
from credit.records.credit_file import credit_file, public_penalty, repair_status
from credit.records.listing import get_enterprise
from disclosure.charts import history_svg, qr_svg
from disclosure.monitoring_pages import monitoring_names

bp = Blueprint("credit_pages", __name__)


@bp.get("/enterprises/<uscc>")
def enterprise(uscc: str) -> Any:
    """Identity, level and why, history chart, records, QR code, objection link."""
    session = get_session()
    ent = get_enterprise(session, uscc)
    if ent.uscc != uscc:
        return redirect(url_for("credit_pages.enterprise", uscc=ent.uscc), 301)
    file = credit_file(session, ent, china_today())
    url = external_url("credit_pages.enterprise", uscc=ent.uscc)
    reviewing = markers(
        session,
        {
            "enterprise": [ent.uscc],
            "penalty": [p.id for p in file.penalties],
            "inspection": [i.id for i in file.inspections],
            "permit": [p.id for p in file.permits],
            "disclosure": [d.id for d in file.disclosures],
        },
    )
    return render_template(
        "disclosure/enterprise.html",
        file=file,
        e=file.enterprise,
        levels=LEVEL_NAMES,
        chart=_history_chart(file),
        qr=qr_svg(url, ent.name),
        url=url,
        outlets=enterprise_outlets(session, ent.id),
        reviewing=reviewing,
        **monitoring_names(),
    )


def _history_chart(file: Any) -> Any:
    """The history chart in the page's language (empty below two ratings)."""
    story = file.story
    if len(story) < 2:
        return history_svg(story, "zh", "", "")
    lang = "en" if str(get_locale() or "").startswith("en") else "zh"
    moved = sum(1 for p in story if p.moved)
    desc = _(
        "%(first)s 至 %(last)s 共 %(n)s 次评价，等级变化 %(moved)s 次，"
        "当前为%(level)s（%(score)s 分）。",
        first=story[0].as_of.isoformat(),
        last=story[-1].as_of.isoformat(),
        n=len(story),
        moved=moved,
        level=_(LEVEL_NAMES[story[-1].level]),
        score=story[-1].score,
    )
    return history_svg(story, lang, _("信用等级历史"), desc)


@bp.get("/penalties/<int:penalty_id>")
def penalty(penalty_id: int) -> Any:
    """One published penalty notice with the 双公示 fields."""
    today = china_today()
    session = get_session()
    item, ent = public_penalty(session, penalty_id, today)
    may_repair, eligible = repair_status(item, today)
    return render_template(
        "disclosure/penalty.html",
        p=item,
        ent=ent,
        may_repair=may_repair,
        eligible=eligible,
        reviewing=is_under_review(session, "penalty", item.id),
    )


class ObjectionForm(FlaskForm):
    target = SelectField(_l("异议对象"), validate_choice=False)
    claim = TextAreaField(_l("异议内容"), validators=[DataRequired(), Length(min=5, max=4000)])
    contact = StringField(_l("联系人及电话或邮箱"), validators=[DataRequired(), Length(max=200)])


def target_choices(file: Any) -> list[SelectChoice]:
    choices = [SelectChoice("rating:", gettext("信用评价结果"))]
    choices += [
        SelectChoice(
            f"penalty:{p.id}", gettext("行政处罚 %(no)s", no=p.decision_no), render_kw=_data_kw()
        )
        for p in file.penalties
    ]
    choices += [
        SelectChoice(
            f"inspection:{i.id}",
            gettext("现场检查 %(date)s %(agency)s", date=i.date, agency=i.agency),
            render_kw=_data_kw(),
        )
        for i in file.inspections
    ]
    return choices


def _data_kw() -> dict[str, str]:
    """An option that names Chinese data (a decision number, an agency) on an English page
    is marked ``lang="zh-CN"``."""
    from core.i18n import page_lang

    return {"lang": "zh-CN"} if page_lang() == "en" else {}


def split_target(value: str) -> tuple[str, int | None]:
    kind, _, ident = (value or "").partition(":")
    return kind, int(ident) if ident.isdigit() and len(ident) < 12 else None


@bp.route("/enterprises/<uscc>/objection", methods=["GET", "POST"])
def objection(uscc: str) -> Any:
    """An enterprise files an objection (异议) to a record or its rating."""
    if request.method == "POST":
        consume("case-file")
    session = get_session()
    ent = get_enterprise(session, uscc)
    today = china_today()
    file = credit_file(session, ent, today)
    form = ObjectionForm()
    form.target.choices = target_choices(file)
    error = None
    if form.validate_on_submit():
        kind, ident = split_target(form.target.data or "")
        case, error = attempt(
            file_objection,
            session,
            ent,
            target_type=kind,
            target_id=ident,
            claim=form.claim.data or "",
            contact=form.contact.data or "",
            today=today,
        )
        if case is not None:
            return redirect(url_for("credit_pages.case", reference=case.reference))
    status = 422 if (form.errors or error) else 200
    return render_template(
        "disclosure/objection_form.html", ent=ent, form=form, error=error
    ), status


class RepairForm(FlaskForm):
    reason = TextAreaField(_l("整改完成情况"), validators=[DataRequired(), Length(min=5, max=4000)])
    commitment = TextAreaField(_l("信用承诺"), validators=[DataRequired(), Length(min=5, max=4000)])
    contact = StringField(_l("联系人及电话或邮箱"), validators=[DataRequired(), Length(max=200)])


@bp.route("/penalties/<int:penalty_id>/repair", methods=["GET", "POST"])
def repair(penalty_id: int) -> Any:
    """Apply for credit repair (信用修复) of a published penalty."""
    if request.method == "POST":
        consume("case-file")
    session = get_session()
    today = china_today()
    item, ent = public_penalty(session, penalty_id, today)
    form = RepairForm()
    error = None
    if form.validate_on_submit():
        case, error = attempt(
            apply_for_repair,
            session,
            item,
            reason=form.reason.data or "",
            commitment=form.commitment.data or "",
            contact=form.contact.data or "",
            today=today,
        )
        if case is not None:
            return redirect(url_for("credit_pages.case", reference=case.reference))
    status = 422 if (form.errors or error) else 200
    return render_template(
        "disclosure/repair_form.html",
        p=item,
        ent=ent,
        form=form,
        error=error,
        eligible=repair_status(item, today)[1],
    ), status


@bp.get("/cases/<reference>")
def case(reference: str) -> Any:
    """Status of an objection or repair application, with its answer deadline."""
    progress = case_progress(get_session(), reference)
    return render_template(
        "disclosure/case.html",
        case=progress.case,
        kind=progress.kind,
        progress=progress,
        cn=cn_time,
    )
