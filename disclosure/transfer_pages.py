"""Regulator pages for tip-off transfers (移送): the two-step transfer form (check, then
confirm; works without JavaScript) and the list of incoming transfers to acknowledge.

The confirmation carries what was checked in a signed, short-lived token bound to the user,
so a crafted POST cannot skip the check step nor change the receiver or reason after it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.clock import cn_time, local_date
from core.db import get_session
from core.errors import DomainError, describe_in
from core.i18n import page_lang
from core.messages import in_language
from core.users import User
from core.web import attempt
from credit.transfers.listing import list_transfers
from credit.transfers.transferring import (
    TransferRequest,
    acknowledge_transfer,
    check_transfer,
    transfer_tipoff,
    withdraw_transfer,
)
from disclosure.auth import current_user, login_required

bp = Blueprint("regtransfers", __name__, url_prefix="/regulator/transfers")
SALT = "envcredit.tipoff-transfer"
#: seconds a confirmation page stays valid
CONFIRM_WITHIN = 900
#: the form field holding the receiver for each kind of target
TARGET_FIELDS = {"region": "region_code", "grid": "grid_code", "agency": "agency"}


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _today() -> dt.date:
    return local_date(dt.datetime.now(dt.UTC))


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt=SALT)


def _refused(error: DomainError, tipoff_id: int) -> Any:
    """Out of scope: the error page (403/404); anything else: flashed on the report's page."""
    if error.status in (403, 404):
        raise error
    flash(describe_in(error, page_lang()), "error")
    return redirect(url_for("regtipoffs.detail", tipoff_id=tipoff_id), 303)


@bp.get("/")
@login_required
def index() -> Any:
    """Incoming transfers awaiting my acknowledgement, and my office's outgoing ones."""
    lists = list_transfers(get_session(), _user(), _today())
    return render_template("disclosure/transfers/index.html", lists=lists, cn=cn_time)


@bp.post("/new/<int:tipoff_id>")
@login_required
def preview(tipoff_id: int) -> Any:
    """Step one: check the receiver and reason, and show what will happen (nothing stored)."""
    kind = request.form.get("target_kind", "")
    target = request.form.get(TARGET_FIELDS.get(kind, ""), "")[:100]
    req = TransferRequest(kind, target, request.form.get("reason", "")[:2000])
    user = _user()
    checked, error = attempt(check_transfer, get_session(), user, tipoff_id, req)
    if error is not None or checked is None:
        assert error is not None
        return _refused(error, tipoff_id)
    tipoff, target, reason = checked
    token = _signer().dumps(
        {"t": tipoff.id, "u": user.id, "k": target.kind, "to": req.target.strip(), "r": reason}
    )
    return render_template(
        "disclosure/transfers/confirm.html",
        t=tipoff,
        target=target,
        reason=reason,
        token=token,
        name=in_language(target.name, page_lang()),
    )


@bp.post("/confirm")
@login_required
def confirm() -> Any:
    """Step two: the transfer exactly as checked in step one (a token from another user,
    tampered with or older than 15 minutes is refused and nothing is stored)."""
    user = _user()
    try:
        data = _signer().loads(request.form.get("token", "")[:4000], max_age=CONFIRM_WITHIN)
    except BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("u") != user.id:
        flash(_("移送确认已失效，请重新填写移送表单。"), "error")
        return redirect(url_for("regtransfers.index"), 303)
    tipoff_id = int(data["t"])
    req = TransferRequest(str(data["k"]), str(data["to"]), str(data["r"]))
    done, error = attempt(transfer_tipoff, get_session(), user, tipoff_id, req)
    if error is not None or done is None:
        assert error is not None
        return _refused(error, tipoff_id)
    flash(_("已移送至 %(name)s，等待签收；办理期限不变。", name=done.to_name))
    return redirect(url_for("regtipoffs.detail", tipoff_id=tipoff_id), 303)


@bp.post("/<int:transfer_id>/acknowledge")
@login_required
def acknowledge(transfer_id: int) -> Any:
    """Acknowledge an incoming transfer (for an agency: record its receipt); 403 outside
    the receiving region or grid."""
    note = request.form.get("note", "")[:2000]
    done, error = attempt(acknowledge_transfer, get_session(), _user(), transfer_id, note=note)
    if error is not None or done is None:
        assert error is not None
        if error.status in (403, 404):
            raise error
        flash(describe_in(error, page_lang()), "error")
        return redirect(url_for("regtransfers.index"), 303)
    flash(_("已签收。"))
    return redirect(url_for("regtipoffs.detail", tipoff_id=done.tipoff_id), 303)


@bp.post("/<int:transfer_id>/withdraw")
@login_required
def withdraw(transfer_id: int) -> Any:
    """The sending office takes back a transfer not yet acknowledged; 403 for others."""
    done, error = attempt(withdraw_transfer, get_session(), _user(), transfer_id)
    if error is not None or done is None:
        assert error is not None
        if error.status in (403, 404):
            raise error
        flash(describe_in(error, page_lang()), "error")
        return redirect(url_for("regtransfers.index"), 303)
    flash(_("已撤回移送。"))
    return redirect(url_for("regtipoffs.detail", tipoff_id=done.tipoff_id), 303)
