"""Follow an enterprise, a region or an industry by e-mail: the form, the confirmation and
the one-click unsubscribe (RFC 8058: one POST to the List-Unsubscribe URL, no cookie, no
CSRF token: the token in the URL is the authority). No JavaScript needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from core.db import get_session
from core.errors import DomainError
from core.limits import consume
from core.web import attempt
from credit.notify.models import EVENTS
from credit.notify.subscriptions import (
    SubscriptionInput,
    check_unsubscribe,
    confirm,
    feed_endpoint,
    resolve_target,
    subscribe,
    unsubscribe,
)

bp = Blueprint("subscription_pages", __name__)
EVENT_CHOICES = [
    SelectChoice("penalty", _l("新的行政处罚")),
    SelectChoice("rating", _l("信用等级变化")),
    SelectChoice("disclosure", _l("未按期披露环境信息")),
]


class SubscribeForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=254)])
    enterprise = StringField(_l("统一社会信用代码"), validators=[Length(max=18)])
    region = StringField(_l("行政区划代码"), validators=[Length(max=6)])
    industry = StringField(_l("行业代码"), validators=[Length(max=5)])
    events = SelectMultipleField(
        _l("提醒内容"),
        choices=EVENT_CHOICES,
        default=list(EVENTS),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    frequency = RadioField(
        _l("频率"),
        choices=[SelectChoice("instant", _l("即时提醒")), SelectChoice("weekly", _l("每周汇总"))],
        default="instant",
    )


def _target_or_none(form: SubscribeForm) -> Any:
    data = SubscriptionInput("", form.enterprise.data, form.region.data, form.industry.data)
    try:
        return resolve_target(get_session(), data)
    except DomainError:
        return None


@bp.route("/subscribe", methods=["GET", "POST"])
def subscribe_page() -> Any:
    """The subscription form (prefilled from ?enterprise=, ?region= or ?industry=)."""
    if request.method == "POST":
        consume("subscribe")
    form = SubscribeForm(formdata=request.form if request.method == "POST" else request.args)
    error = None
    if request.method == "POST" and form.validate():
        data = SubscriptionInput(
            form.email.data or "",
            form.enterprise.data,
            form.region.data,
            form.industry.data,
            tuple(form.events.data or ()),
            form.frequency.data,
        )
        done, error = attempt(subscribe, get_session(), data)
        if done is not None:
            return render_template("disclosure/subscriptions/sent.html"), 202
    target = _target_or_none(form)
    feed = feed_endpoint(target) if target is not None else None
    status = 200 if request.method == "GET" else (error.status if error else 422)
    return render_template(
        "disclosure/subscriptions/form.html", form=form, error=error, target=target, feed=feed
    ), status


@bp.route("/subscriptions/confirm", methods=["GET", "POST"])
def confirm_page() -> Any:
    """The link of the confirmation mail: a button (a GET by a mail scanner confirms nothing)."""
    token = request.values.get("token", "")
    if request.method == "GET":
        return render_template("disclosure/subscriptions/confirm.html", token=token)
    target = confirm(get_session(), token)
    return render_template(
        "disclosure/subscriptions/confirmed.html", target=target, feed=feed_endpoint(target)
    )


@bp.route("/subscriptions/<int:subscription_id>/unsubscribe", methods=["GET", "POST"])
def unsubscribe_page(subscription_id: int) -> Any:
    """GET: a button; POST (the mail's button, or a mail client's one-click): unsubscribed."""
    token = request.args.get("token", "")
    if request.method == "GET":
        known = check_unsubscribe(get_session(), subscription_id, token) is not None
        return render_template(
            "disclosure/subscriptions/unsubscribe.html",
            subscription_id=subscription_id,
            token=token,
            known=known,
        )
    unsubscribe(get_session(), subscription_id, token)
    return render_template("disclosure/subscriptions/unsubscribed.html")
