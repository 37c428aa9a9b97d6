"""Public tip-off pages: file a report, the one-time receipt, tracking, and /stats.

Forms post with a CSRF token (checked for every page POST by ``disclosure.auth``) and carry
a spam-trap field that people never see. The code and the secret travel only in POST
bodies, never in a URL; pages showing them are sent with ``Cache-Control: no-store``.

Every filing and every tracking attempt counts against its per-address bucket before
anything else happens (``core.limits``: "tipoff-file", shared with the API and Open311;
"tipoff-track", shared with the API). Fields, and code + secret, are checked first, and
the checks' transaction ends before the uploads are decoded (on SQLite it holds the one
write lock). A form refused for its fields keeps its good files under a short-lived token
(``credit.tipoffs.pending``, a hidden field) so the corrected form need not attach them again.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import flask
from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from core.clock import cn_time, local_date
from core.clock import today as china_today
from core.db import get_session
from core.errors import DomainError, NotFound
from core.limits import consume
from core.web import attempt, external_url, writes_on_get
from credit.notify.reporter import stop_reporter_mail
from credit.rewards.payees import PayeeInput, submit_payee
from credit.rewards.workflow import tracked_view
from credit.tipoffs.attachments import MAX_FILES, Upload
from credit.tipoffs.duplicates import Held, hold_if_duplicates, supplement_existing
from credit.tipoffs.feedback import satisfaction_choices
from credit.tipoffs.filing import FormRefused, TipOffInput, enterprise_label, file_with_uploads
from credit.tipoffs.images import Busy
from credit.tipoffs.pending import KeptFile
from credit.tipoffs.pending import kept as pending_files
from credit.tipoffs.questionnaire import answer_questionnaire
from credit.tipoffs.receipts import issue_receipt, take_receipt
from credit.tipoffs.satisfaction import public_statistics
from credit.tipoffs.tracking import (
    add_information_with_uploads,
    region_choices,
    request_reopen,
)
from credit.tipoffs.vocabulary import (
    ACCEPT_DAYS,
    CATEGORY_HELP,
    CATEGORY_NAMES,
    CLOSE_DAYS,
    REOPEN_DAYS,
    STATUS_NAMES,
    named,
)
from credit.tipoffs.workflow import MAX_EXTENSION_DAYS
from disclosure.tipoff_charts import series_svg

log = logging.getLogger(__name__)
bp = Blueprint("tipoffs", __name__)
RECEIPT = "tipoff_receipt"
HONEYPOT = "website"
FORM_FIELDS = (
    "category",
    "description",
    "location",
    "latitude",
    "longitude",
    "crs",
    "enterprise",
    "region_code",
    "identity",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "notify_email",
    "notify_address",
)


def no_store(response: Any) -> Any:
    """Pages that show a secret or what a reporter typed must not be cached anywhere."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def uploaded_files(field: str = "attachments") -> list[Upload]:
    """The request's files as (name, stream), not read yet (at most one more than allowed)."""
    files = [f for f in request.files.getlist(field) if f and f.filename]
    return [(f.filename, f.stream) for f in files[: MAX_FILES + 1]]


#: what the pages say about deadlines: the numbers the workflow uses
DEADLINES = {"accept": ACCEPT_DAYS, "close": CLOSE_DAYS, "extend": MAX_EXTENSION_DAYS}


def _input(form: Any) -> TipOffInput:
    return TipOffInput(
        category=form.get("category", ""),
        description=form.get("description", ""),
        location=form.get("location", ""),
        latitude=form.get("latitude") or None,
        longitude=form.get("longitude") or None,
        crs=form.get("crs") or None,
        enterprise=form.get("enterprise") or None,
        region_code=form.get("region_code") or None,
        anonymous=form.get("identity", "anonymous") != "named",
        reporter_name=form.get("reporter_name"),
        reporter_phone=form.get("reporter_phone"),
        reporter_email=form.get("reporter_email"),
        notify_email=form.get("notify_email") == "yes",
        notify_address=form.get("notify_address") or None,
        triage_code=current_app.config.get("TRIAGE_REGION_CODE"),
    )


def _form_page(
    values: dict[str, str],
    error: DomainError | None = None,
    status: int = 200,
    pending: str | None = None,
    kept: list[KeptFile] | None = None,
) -> Any:
    page = render_template(
        "disclosure/tipoffs/new.html",
        values=values,
        error=error,
        categories={key: named(name) for key, name in CATEGORY_NAMES.items()},
        category_help=CATEGORY_HELP,
        regions=region_choices(get_session()),
        max_files=MAX_FILES,
        deadlines=DEADLINES,
        pending=pending,
        kept=kept or [],
    )
    return no_store(make_response(page, status))


def _pending() -> tuple[str | None, set[int]]:
    """The kept uploads' token from the hidden field, and the ones ticked for removal."""
    token = request.form.get("pending", "")[:64] or None
    drop = {int(v) for v in request.form.getlist("drop")[: MAX_FILES + 1] if v.isdigit()}
    return token, drop


def _seconds(exc: TooManyRequests) -> int:
    return exc.retry_after if isinstance(exc.retry_after, int) else 60


def _minutes(exc: TooManyRequests) -> int:
    return max(1, math.ceil(_seconds(exc) / 60))


def _retry_after(response: Any, exc: TooManyRequests) -> Any:
    response.headers["Retry-After"] = str(_seconds(exc))
    return response


def _typed() -> dict[str, str]:
    return {k: request.form.get(k, "")[:4000] for k in FORM_FIELDS}


@bp.route("/tipoffs/new", methods=["GET", "POST"])
def new() -> Any:
    """The tip-off form; on success, redirect to the one-time receipt."""
    if request.method == "GET":
        prefill = enterprise_label(get_session(), request.args.get("uscc", "")[:200])
        return _form_page({"enterprise": prefill, "identity": "anonymous"})
    try:
        consume("tipoff-file")
    except TooManyRequests as exc:  # said on the form, with what was typed kept
        text = _(
            "提交过于频繁：为防止滥用，同一网络每小时可提交的举报数量有限。请在 %(n)s 分钟后"
            "再试，您填写的内容仍保留在下方；情况紧急请拨打 12369 环保举报热线。",
            n=_minutes(exc),
        )
        return _retry_after(_form_page(_typed(), DomainError(text), 429), exc)
    values = _typed()
    if request.form.get(HONEYPOT):
        log.info("tip-off spam trap triggered; nothing stored")
        return _form_page(values, DomainError(_("提交未成功，请稍后重试。")), 400)
    session = get_session()
    upload_dir = current_app.config["UPLOAD_DIR"]
    pending, drop = _pending()
    choice = request.form.get("duplicate_choice", "")
    if choice == "same":
        return _supplement(values, upload_dir, pending, drop)
    if choice != "new":  # the first submit: similar open reports first ("is this the same?")
        held, error = attempt(
            lambda: hold_if_duplicates(
                _input(request.form),
                uploaded_files,
                upload_dir=upload_dir,
                pending=pending,
                drop=drop,
            )
        )
        if isinstance(error, FormRefused):
            return _form_page(values, error, 422, error.token, error.kept)
        if error is not None:
            kept = pending_files(upload_dir, pending)
            status = 503 if isinstance(error, Busy) else 422
            return _form_page(values, error, status, pending if kept else None, kept)
        if held is not None:
            return _same_page(values, held)
    token, error = attempt(
        lambda: issue_receipt(
            session,
            file_with_uploads(
                session,
                _input(request.form),
                uploaded_files,
                upload_dir=upload_dir,
                pending=pending,
                drop=drop,
            ),
        )
    )
    if isinstance(error, FormRefused):
        return _form_page(values, error, 422, error.token, error.kept)
    if error is not None:  # the server is busy …: the kept files stay kept, none dropped
        kept = pending_files(upload_dir, pending)
        status = 503 if isinstance(error, Busy) else 422
        return _form_page(values, error, status, pending if kept else None, kept)
    flask.session[RECEIPT] = token
    return redirect(url_for("tipoffs.receipt"), 303)


def _same_page(
    values: dict[str, str], held: Held, error: DomainError | None = None, status: int = 200
) -> Any:
    """The second step: open reports like this one, and the choice what to do."""
    page = render_template(
        "disclosure/tipoffs/same.html",
        values=values,
        held=held,
        error=error,
        categories={key: named(name) for key, name in CATEGORY_NAMES.items()},
        statuses={key: named(name) for key, name in STATUS_NAMES.items()},
        day=local_date,
        fields=FORM_FIELDS,
        email=request.form.get("follow_email", "")[:254],
        chosen=request.form.get("duplicate_of", "")[:40],
    )
    return no_store(make_response(page, status))


def _supplement(
    values: dict[str, str], upload_dir: str, pending: str | None, drop: set[int]
) -> Any:
    """The filer says "这是同一件事": the information goes to the chosen report (and the
    e-mail follows)."""
    session = get_session()
    done, error = attempt(
        lambda: supplement_existing(
            session,
            _input(request.form),
            request.form.get("duplicate_of", "")[:40],
            email=request.form.get("follow_email", "")[:254],
            upload_dir=upload_dir,
            pending=pending,
            drop=drop,
        )
    )
    if error is not None:
        held, again = attempt(
            lambda: hold_if_duplicates(
                _input(request.form), list, upload_dir=upload_dir, pending=pending, drop=drop
            )
        )
        if held is None or again is not None:  # nothing to choose from any more: the form
            kept = pending_files(upload_dir, pending)
            return _form_page(values, error, 422, pending if kept else None, kept)
        return _same_page(values, held, error, 422)
    page = render_template("disclosure/tipoffs/supplemented.html", done=done)
    return no_store(make_response(page))


@bp.get("/tipoffs/receipt")
@writes_on_get
def receipt() -> Any:
    """The tracking code and secret, shown exactly once, as a printable receipt."""
    data = take_receipt(get_session(), flask.session.pop(RECEIPT, None))
    if not data:
        return redirect(url_for("tipoffs.track_page"))
    page = render_template(
        "disclosure/tipoffs/receipt.html",
        r=data,
        track_url=external_url("tipoffs.track_page"),
        deadlines=DEADLINES,
    )
    return no_store(make_response(page))


def _status_page(
    view: dict[str, Any],
    code: str,
    secret: str,
    notice: str | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> Any:
    page = render_template(
        "disclosure/tipoffs/status.html",
        v=view,
        code=code,
        secret=secret,
        notice=notice,
        error=error,
        max_files=MAX_FILES,
        cn=cn_time,
        satisfaction=satisfaction_choices(),
    )
    return no_store(make_response(page, status))


def _track_form(error: str | None = None, status: int = 200, code: str = "") -> Any:
    page = render_template("disclosure/tipoffs/track.html", error=error, code=code)
    return no_store(make_response(page, status))


@bp.get("/tipoffs/track")
def track_page() -> Any:
    """Ask for the tracking code and the secret (``?code=`` fills the code in: the link a
    closing mail and the questionnaire carry)."""
    return _track_form(code=request.args.get("code", "").strip()[:40])


def _act(action: str, code: str, secret: str) -> str | None:
    """Add information or ask to reopen; the notice to show (None for a plain view)."""
    session = get_session()
    if action == "info":
        add_information_with_uploads(
            session,
            code,
            secret,
            request.form.get("text", ""),
            uploaded_files(),
            upload_dir=current_app.config["UPLOAD_DIR"],
        )
        return _("补充信息已提交。")
    if action == "reopen":
        request_reopen(session, code, secret, request.form.get("reason", ""))
        return _("已申请重新处理，监管部门将作出答复。")
    if action == "feedback":
        return _answered(session, code, secret)
    if action == "reward_claim":
        form = request.form
        submit_payee(
            session,
            code,
            secret,
            PayeeInput(
                name=form.get("payee_name", "")[:100],
                id_number=form.get("id_number", "")[:40],
                method=form.get("method", "")[:10],
                account=form.get("account", "")[:60],
                bank_name=form.get("bank_name", "")[:200],
            ),
        )
        return _("领取信息已提交，办理部门核实后发放奖励。")
    if action == "nomail":
        stop_reporter_mail(session, code, secret)
        return _("此举报今后不会再发邮件给您。")
    return None


def _answered(session: Any, code: str, secret: str) -> str:
    """Answer the closure questionnaire; the notice says what became of "not resolved"."""
    answered = answer_questionnaire(
        session,
        code,
        secret,
        resolved=request.form.get("resolved"),
        satisfaction=request.form.get("satisfaction"),
        comment=request.form.get("comment", "")[:4000],
    )
    if answered.outcome == "reopen":
        return _("感谢您的评价。您选择了“问题未解决”，已为您申请重新处理，办理部门将作出答复。")
    if answered.outcome == "pending":
        return _("感谢您的评价。您已申请重新处理，请等待办理部门答复。")
    if answered.outcome == "window_passed":
        return _(
            "感谢您的评价，您的意见已记录。已超过申请重新处理的期限（办结后 %(n)s 日内），"
            "不能再申请重新处理；问题仍然存在的，请重新举报。",
            n=REOPEN_DAYS,
        )
    return _("感谢您的评价。")


@bp.post("/tipoffs/track")
def track_post() -> Any:
    """Show the status; or add information, ask to reopen or answer the questionnaire, then
    show it again."""
    try:
        consume("tipoff-track")
    except TooManyRequests as exc:
        text = _("查询过于频繁，请在 %(n)s 分钟后再试。", n=_minutes(exc))
        return _retry_after(_track_form(text, 429, request.form.get("code", "")[:40]), exc)
    code = request.form.get("code", "")[:40]
    secret = request.form.get("secret", "")[:40]
    session = get_session()
    notice, error = attempt(_act, request.form.get("action", "view"), code, secret)
    if isinstance(error, NotFound):
        return _track_form(error.message, 404, code)
    try:
        view = tracked_view(session, code, secret)
    except NotFound as exc:
        return _track_form(exc.message, 404, code)
    status = 503 if isinstance(error, Busy) else 422 if error else 200
    return _status_page(view, view["tracking_code"], secret, notice, error, status)


@bp.get("/stats")
def stats() -> Any:
    """Monthly tip-off statistics, satisfaction and on-time rates by region, the message
    board's figures and current ratings, with a chart."""
    month = request.args.get("month", "")[:7]
    data = public_statistics(get_session(), month or None)
    chart = series_svg(data["series"], (_("收到"), _("办结")), _("近 12 个月举报收到与办结数量"))
    months = [p["month"] for p in reversed(data["series"])]
    return render_template(
        "disclosure/stats.html",
        s=data,
        chart=chart,
        months=months,
        today=china_today(),
        category_names={name: named(name) for name in CATEGORY_NAMES.values()},
    )
