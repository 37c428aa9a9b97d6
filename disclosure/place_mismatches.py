"""/regulator/place-mismatches: given region codes their coordinates contradict, to settle."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import get_session
from core.i18n import page_lang
from core.messages import in_language
from core.web import attempt
from credit.places.mismatches import mismatch_listing, resolve_mismatch
from disclosure.auth import current_user, login_required

bp = Blueprint("regplaces", __name__, url_prefix="/regulator")


@bp.get("/place-mismatches")
@login_required
def mismatches() -> Any:
    """Open (or, with ?resolved=1, settled) mismatches of the regulator's region."""
    user = current_user()
    assert user is not None
    resolved = request.args.get("resolved") == "1"
    listing = mismatch_listing(get_session(), user, resolved=resolved)
    return render_template(
        "disclosure/regulator/place_mismatches.html", listing=listing, resolved=resolved
    )


@bp.post("/place-mismatches/<int:mismatch_id>")
@login_required
def resolve(mismatch_id: int) -> Any:
    """Keep the given code or take the coordinates' county; errors are flashed."""
    user = current_user()
    assert user is not None
    take = request.form.get("take", "")
    _done, error = attempt(resolve_mismatch, get_session(), user, mismatch_id, take)
    if error is None:
        flash(_("已处理。"))
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, page_lang()), "error")
    return redirect(url_for("regplaces.mismatches"), 303)
