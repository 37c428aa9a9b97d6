"""Public tip-off pages: file a report, the one-time receipt, tracking, and /stats.

Forms post with a CSRF token (checked for every page POST by ``disclosure.auth``) and carry
a spam-trap field that people never see. The code and the secret travel only in POST
bodies, never in a URL; pages showing them are sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from core.clock import today as china_today
from core.db import get_session
from core.errors import DomainError, NotFound
from core.limits import limiter, tipoff_filing_limit, tipoff_tracking_limit
from disclosure.attachments import MAX_FILES, prepare_uploads, read_limited
from disclosure.tipoff_charts import series_svg
from disclosure.tipoff_service import (
    CATEGORY_NAMES,
    TipOffInput,
    add_information,
    cn_time,
    file_tipoff,
    local_date,
    request_reopen,
)
from disclosure.tipoff_stats import monthly_statistics
from disclosure.tipoff_tracking import region_choices, track

log = logging.getLogger(__name__)
bp = Blueprint("tipoffs", __name__)
RECEIPT = "tipoff_receipt"
HONEYPOT = "website"
FORM_FIELDS = ("category", "description", "location", "latitude", "longitude", "enterprise",
               "region_code", "identity", "reporter_name", "reporter_phone", "reporter_email")


def no_store(response: Any) -> Any:
    """Pages that show a secret must not be cached anywhere."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def uploaded_files(field: str = "attachments") -> list[tuple[str | None, bytes]]:
    """The request's files as (name, bytes), reading at most 10 MB + 1 byte of each."""
    files = [f for f in request.files.getlist(field) if f and f.filename]
    if len(files) > MAX_FILES:
        files = files[:MAX_FILES + 1]  # enough for prepare_uploads to refuse
    return [(f.filename, read_limited(f.stream)) for f in files]


def _input(form: Any) -> TipOffInput:
    return TipOffInput(
        category=form.get("category", ""), description=form.get("description", ""),
        location=form.get("location", ""), latitude=form.get("latitude") or None,
        longitude=form.get("longitude") or None, enterprise=form.get("enterprise") or None,
        region_code=form.get("region_code") or None,
        anonymous=form.get("identity", "anonymous") != "named",
        reporter_name=form.get("reporter_name"), reporter_phone=form.get("reporter_phone"),
        reporter_email=form.get("reporter_email"))


def _form_page(values: dict[str, str], error: DomainError | None = None,
               status: int = 200) -> Any:
    page = render_template("disclosure/tipoffs/new.html", values=values, error=error,
                           categories=CATEGORY_NAMES, regions=region_choices(get_session()),
                           max_files=MAX_FILES)
    return make_response(page, status)


@bp.route("/tipoffs/new", methods=["GET", "POST"])
@limiter.shared_limit(tipoff_filing_limit, scope="tipoff-file", methods=["POST"],
                      deduct_when=lambda response: response.status_code < 400)
def new() -> Any:
    """The tip-off form; on success, redirect to the one-time receipt."""
    if request.method == "GET":
        return _form_page({"enterprise": request.args.get("uscc", "")[:200],
                           "identity": "anonymous"})
    values = {k: request.form.get(k, "")[:4000] for k in FORM_FIELDS}
    if request.form.get(HONEYPOT):
        log.info("tip-off spam trap triggered; nothing stored")
        return _form_page(values, DomainError(_("提交未成功，请稍后重试。")), 400)
    db = get_session()
    try:
        prepared = prepare_uploads(uploaded_files())
        filed = file_tipoff(db, _input(request.form), attachments=prepared,
                            upload_dir=current_app.config["UPLOAD_DIR"], source="web")
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _form_page(values, exc, 422)
    tipoff = filed.tipoff
    session[RECEIPT] = {"code": filed.tracking_code, "secret": filed.secret,
                        "category": tipoff.category,
                        "received": local_date(tipoff.created_at).isoformat(),
                        "accept_due_at": tipoff.accept_due_at.isoformat(),
                        "due_at": tipoff.due_at.isoformat(), "anonymous": tipoff.anonymous}
    return redirect(url_for("tipoffs.receipt"), 303)


@bp.get("/tipoffs/receipt")
def receipt() -> Any:
    """The tracking code and secret, shown exactly once, as a printable receipt."""
    data = session.pop(RECEIPT, None)
    if not data:
        return redirect(url_for("tipoffs.track_page"))
    page = render_template("disclosure/tipoffs/receipt.html", r=data,
                           category_name=CATEGORY_NAMES.get(data["category"], ""))
    return no_store(make_response(page))


def _status_page(view: dict[str, Any], code: str, secret: str, notice: str | None = None,
                 error: DomainError | None = None, status: int = 200) -> Any:
    page = render_template("disclosure/tipoffs/status.html", v=view, code=code, secret=secret,
                           notice=notice, error=error, max_files=MAX_FILES, cn=cn_time)
    return no_store(make_response(page, status))


def _track_form(error: str | None = None, status: int = 200, code: str = "") -> Any:
    page = render_template("disclosure/tipoffs/track.html", error=error, code=code)
    return no_store(make_response(page, status))


@bp.get("/tipoffs/track")
def track_page() -> Any:
    """Ask for the tracking code and the secret."""
    return _track_form()


@bp.post("/tipoffs/track")
@limiter.limit(tipoff_tracking_limit, methods=["POST"])
def track_post() -> Any:
    """Show the status; or add information or ask to reopen, then show it again."""
    code = request.form.get("code", "")[:40]
    secret = request.form.get("secret", "")[:40]
    action = request.form.get("action", "view")
    db = get_session()
    notice, error = None, None
    try:
        if action == "info":
            add_information(db, code, secret, request.form.get("text", ""),
                            attachments=prepare_uploads(uploaded_files()),
                            upload_dir=current_app.config["UPLOAD_DIR"])
            notice = _("补充信息已提交。")
        elif action == "reopen":
            request_reopen(db, code, secret, request.form.get("reason", ""))
            notice = _("已申请重新处理，监管部门将作出答复。")
        db.commit()
    except NotFound as exc:
        db.rollback()
        return _track_form(exc.message, 404, code)
    except DomainError as exc:
        db.rollback()
        error = exc
    try:
        view = track(db, code, secret)
    except NotFound as exc:
        return _track_form(exc.message, 404, code)
    return _status_page(view, view["tracking_code"], secret, notice, error,
                        422 if error else 200)


@bp.get("/stats")
def stats() -> Any:
    """Monthly tip-off statistics and current ratings, with a chart."""
    month = request.args.get("month", "")[:7]
    data = monthly_statistics(get_session(), month or None)
    chart = series_svg(data["series"], (_("收到"), _("办结")), _("近 12 个月举报收到与办结数量"))
    months = [p["month"] for p in reversed(data["series"])]
    return render_template("disclosure/stats.html", s=data, chart=chart, months=months,
                           today=china_today())
