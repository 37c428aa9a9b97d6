"""Regulator pages for supervision cases and patrols (login required; grid or region scope).

The queue, one case with its timeline and the actions the user may take (each one POST form
calling one service), evidence files, the patrol list and the phone-sized patrol form. Works
without JavaScript.
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
    send_file,
    url_for,
)
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.clock import cn_time
from core.db import get_session
from core.errors import Invalid, describe_in
from core.i18n import page_lang
from core.users import User
from core.web import attempt, page_number
from credit.supervision.classes import case_classes
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.flow import (
    close_case,
    dispatch_case,
    place_case,
    rectify_case,
    report_result,
    verify_case,
)
from credit.supervision.models import CASE_CLASSES, CASE_STATUSES
from credit.supervision.patrols import PatrolInput, Problem, list_patrols, record_patrol
from credit.supervision.queue import CaseFilter, case_detail, get_evidence, list_cases
from credit.supervision.vocabulary import (
    EVENT_NAMES,
    ORIGIN_NAMES,
    STATUS_NAMES,
    class_name,
    names,
)
from credit.tipoffs.attachments import attachment_path
from disclosure.auth import current_user, login_required
from disclosure.confirmation import confirmation_page, needs_confirmation

bp = Blueprint("regcases", __name__, url_prefix="/regulator")
Action = Callable[[Session, User, str, Callable[[str], str]], object]
PROBLEM_SLOTS = 3


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _choice(value: str, field: str) -> bool:
    if value not in {"yes", "no"}:
        message = _l("请选择是或否")
        raise Invalid(str(message), {field: [str(message)]})
    return value == "yes"


def _vocab() -> dict[str, Any]:
    return {
        "statuses": names(STATUS_NAMES),
        "origins": names(ORIGIN_NAMES),
        "events": names(EVENT_NAMES),
        "classes": {key: class_name(key) for key in CASE_CLASSES},
        "cn": cn_time,
    }


@bp.get("/cases")
@login_required
def queue() -> Any:
    """My grids' cases (or my region's), overdue first, then by class and age."""
    args = request.args
    filters = CaseFilter(
        view=args.get("view", "mine"),
        status=args.get("status", ""),
        case_class=args.get("class", ""),
        overdue=args.get("overdue") == "1",
        page=page_number(args),
    )
    result = list_cases(get_session(), _user(), filters)
    f = result.filters
    query: dict[str, Any] = {"view": f.view, "status": f.status, "class": f.case_class}
    if f.overdue:
        query["overdue"] = 1
    next_url = url_for("regcases.queue", page=f.page + 1, **query)
    return render_template(
        "disclosure/cases/queue.html",
        q=result,
        status_keys=CASE_STATUSES,
        next_url=next_url,
        **_vocab(),
    )


NEW_FIELDS = (
    "origin",
    "case_class",
    "description",
    "latitude",
    "longitude",
    "grid_code",
    "region_code",
    "point_source_code",
    "enterprise_uscc",
)


def _tipoff_id(value: str) -> int | None:
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> Any:
    """Open a case: a regulator's own finding, or a tip-off handled as a case."""
    error, form = None, request.form
    if request.method == "POST":
        values: dict[str, Any] = {name: form.get(name, "")[:4000] for name in NEW_FIELDS}
        origin = values.pop("origin")
        origin = origin if origin in {"regulator", "tipoff"} else "regulator"  # others: not here
        data = CaseInput(origin=origin, tipoff_id=_tipoff_id(form.get("tipoff_id", "")), **values)
        case, refused = attempt(create_case, get_session(), _user(), data)
        if refused is None and case is not None:
            flash(str(_l("已立案：%(code)s", code=case.code)))
            return redirect(url_for("regcases.detail", code=case.code), 303)
        assert refused is not None
        if refused.status in (403, 404):
            raise refused
        error = describe_in(refused, page_lang())
    return render_template(
        "disclosure/cases/new.html",
        error=error,
        form=form,
        classes={key: class_name(key) for key in CASE_CLASSES},
    ), (400 if error else 200)


@bp.get("/cases/<code>")
@login_required
def detail(code: str) -> Any:
    """One case: place, deadlines, timeline, evidence and the actions open to me."""
    data = case_detail(get_session(), _user(), code)
    return render_template("disclosure/cases/detail.html", d=data, c=data["case"], **_vocab())


def _files() -> list[tuple[str | None, Any]]:
    return [(f.filename, f.stream) for f in request.files.getlist("attachments") if f]


ACTIONS: dict[str, tuple[Action, LazyString]] = {
    "place": (lambda s, u, c, f: place_case(s, u, c, grid_code=f("grid_code")), _l("已确定网格。")),
    "dispatch": (lambda s, u, c, f: dispatch_case(s, u, c, note=f("note")), _l("已督办。")),
    "rectify": (
        lambda s, u, c, f: rectify_case(
            s, u, c, note=f("note"), files=_files(), upload_dir=current_app.config["UPLOAD_DIR"]
        ),
        _l("已记录整改情况。"),
    ),
    "report": (
        lambda s, u, c, f: report_result(
            s, u, c, result=f("result"), substantiated=_choice(f("substantiated"), "substantiated")
        ),
        _l("已上报整改结果。"),
    ),
    "verify": (
        lambda s, u, c, f: verify_case(
            s, u, c, passed=_choice(f("passed"), "passed"), note=f("note")
        ),
        _l("已核查。"),
    ),
    "close": (
        lambda s, u, c, f: close_case(s, u, c, note=f("note"), confirmed=f("confirm") == "yes"),
        _l("已办结。"),
    ),
}
#: the destructive actions' confirmation pages (``disclosure.confirmation``)
CONFIRM: dict[str, tuple[LazyString, LazyString, LazyString]] = {
    "close": (
        _l("办结问题线索"),
        _l("问题线索将办结；由举报转来的线索，其举报随之办结并向举报人公开结果。"),
        _l("确认办结"),
    ),
}


@bp.post("/cases/<code>/<action>")
@login_required
def act(code: str, action: str) -> Any:
    """Run one action on a case; errors are flashed, 403/404 outside my scope."""
    if action not in ACTIONS:
        abort(404)
    run, done = ACTIONS[action]
    _done, error = attempt(
        run, get_session(), _user(), code, lambda n: request.form.get(n, "")[:4000]
    )
    if action in CONFIRM and needs_confirmation(error):
        title, consequence, button = CONFIRM[action]
        return confirmation_page(
            title=title,
            consequence=consequence,
            button=button,
            action_url=url_for("regcases.act", code=code, action=action),
            back_url=url_for("regcases.detail", code=code),
        )
    if error is None:
        flash(str(done))
    elif error.status in (403, 404):
        raise error
    else:
        flash(describe_in(error, page_lang()), "error")
    return redirect(url_for("regcases.detail", code=code), 303)


@bp.get("/cases/<code>/evidence/<int:evidence_id>")
@login_required
def evidence(code: str, evidence_id: int) -> Any:
    """An evidence file, served as an attachment (never rendered inline as HTML)."""
    item = get_evidence(get_session(), _user(), code, evidence_id)
    path = attachment_path(current_app.config["UPLOAD_DIR"], item.storage_name)
    return send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.filename
    )


@bp.get("/patrols")
@login_required
def patrols() -> Any:
    """Recent patrols in my grids (or my region)."""
    rows = list_patrols(get_session(), _user())
    return render_template("disclosure/cases/patrols.html", rows=rows, cn=cn_time)


def _problems() -> list[Problem]:
    form = request.form
    found = []
    for i in range(PROBLEM_SLOTS):
        text = form.get(f"problem-{i}-description", "").strip()[:4000]
        if text:
            found.append(
                Problem(
                    description=text,
                    case_class=form.get(f"problem-{i}-class", "routine")[:16],
                    point_source_code=form.get(f"problem-{i}-source", "")[:100],
                    latitude=form.get(f"problem-{i}-latitude", "")[:32],
                    longitude=form.get(f"problem-{i}-longitude", "")[:32],
                )
            )
    return found


@bp.route("/patrols/new", methods=["GET", "POST"])
@login_required
def new_patrol() -> Any:
    """The patrol form: one page, phone-sized, no JavaScript; problems become cases."""
    error, errors = None, {}
    if request.method == "POST":
        form = request.form
        data = PatrolInput(
            grid_code=form.get("grid_code", "")[:64],
            started_at=form.get("started_at", "")[:32],
            ended_at=form.get("ended_at", "")[:32],
            sources=form.get("sources", "")[:8000],
            notes=form.get("notes", "")[:4000],
            problems=_problems(),
        )
        result, refused = attempt(record_patrol, get_session(), _user(), data)
        if refused is None and result is not None:
            _patrol, cases = result
            flash(str(_l("已记录巡查，发现问题 %(n)s 个。", n=len(cases))))
            return redirect(url_for("regcases.patrols"), 303)
        assert refused is not None
        if refused.status in (403, 404):
            raise refused
        error = describe_in(refused, page_lang())
        errors = refused.errors if isinstance(refused.errors, dict) else {}
    return render_template(
        "disclosure/cases/patrol_new.html",
        error=error,
        errors=errors,
        form=request.form,
        slots=range(PROBLEM_SLOTS),
        classes={key: class_name(key) for key in case_classes()},
    ), (400 if error else 200)
