"""The second step of a destructive action (不予受理, 合并, 办结, 驳回), without JavaScript.

A destructive action's first POST runs its service unconfirmed: the service checks
everything and refuses only for want of confirmation (its error names the field
``confirm``), every write undone; the page then says what will happen and offers a form that
posts the same values again with ``confirm=yes``. Any other ``confirm`` value is refused by
the service with its message (a crafted POST cannot skip the step).
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from core.errors import DomainError

#: what the confirmation page repeats of the first step's form, by field
FIELD_LABELS: dict[str, LazyString] = {
    "reason": _l("理由"),
    "outcome": _l("办理结果"),
    "substantiated": _l("是否属实"),
    "original": _l("合并到的举报"),
    "note": _l("意见"),
    "text": _l("处理意见"),
    "result": _l("整改结果"),
}
YES_NO = {"yes": _l("是"), "no": _l("否")}


def needs_confirmation(error: DomainError | None) -> bool:
    """True when the service refused only for want of the second step, and none was posted."""
    errors = error.errors if error is not None else None
    return isinstance(errors, dict) and "confirm" in errors and "confirm" not in request.form


def confirmation_page(
    *, title: Any, consequence: Any, action_url: str, back_url: str, button: Any
) -> tuple[str, int]:
    """The page asking to confirm: what will happen, what was entered, confirm or go back."""
    hidden = [(k, v) for k, v in request.form.items() if k not in {"csrf_token", "confirm"}]
    shown = [
        (FIELD_LABELS[k], YES_NO.get(v, v) if k == "substantiated" else v)
        for k, v in hidden
        if k in FIELD_LABELS and v.strip()
    ]
    return render_template(
        "disclosure/regulator/confirm.html",
        title=title,
        consequence=consequence,
        action_url=action_url,
        back_url=back_url,
        button=button,
        hidden=hidden,
        shown=shown,
    ), 200
