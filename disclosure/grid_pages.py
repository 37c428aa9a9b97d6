"""Regulator grid pages (login required): the grid tree in my scope, one grid, its edits.

Region regulators see and edit the grids of their region; grid members see their grids and
everything below them, read-only (``credit.grids.scope``). Each edit is one POST form calling
one service; the outcome is flashed and the browser goes back to the grid.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from core.db import get_session
from core.i18n import html_lang
from core.messages import in_language
from core.users import User
from core.web import attempt
from credit.grids.browsing import grid_page, grid_tree, rename_grid
from credit.grids.members import assign_member, role_label, unassign_member
from credit.grids.models import GRID_ROLES
from disclosure.auth import current_user, login_required

bp = Blueprint("reggrids", __name__, url_prefix="/regulator/grids")


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _actor() -> str:
    return f"user:{_user().id}"


def _field(name: str) -> str:
    return (request.form.get(name) or "")[:300]


@bp.get("/")
@login_required
def tree() -> Any:
    """The grids I may see, as a tree with member counts."""
    return render_template(
        "disclosure/regulator/grids.html", rows=grid_tree(get_session(), _user())
    )


@bp.get("/<code>")
@login_required
def grid(code: str) -> Any:
    """One grid: outline box, children, members; edit forms for its region's regulators."""
    page = grid_page(get_session(), _user(), code)
    return render_template(
        "disclosure/regulator/grid.html",
        p=page,
        roles=[(r, role_label(r)) for r in GRID_ROLES],
        role_label=role_label,
    )


def _outcome(code: str, error: Any, done: str) -> Any:
    if error is None:
        flash(done)
    elif error.status in (403, 404):
        raise error
    else:
        flash(in_language(error.message, html_lang(str(get_locale()))), "error")
    return redirect(url_for("reggrids.grid", code=code), 303)


@bp.post("/<code>/rename")
@login_required
def rename(code: str) -> Any:
    """Rename the grid."""
    _done, error = attempt(rename_grid, get_session(), _user(), code, _field("name"), _actor())
    return _outcome(code, error, _("网格名称已更新。"))


@bp.post("/<code>/members")
@login_required
def add_member(code: str) -> Any:
    """Add a member by e-mail with a role (or change a member's role)."""
    _done, error = attempt(
        assign_member,
        get_session(),
        code,
        _field("email"),
        _field("role"),
        _actor(),
        editor=_user(),
    )
    return _outcome(code, error, _("成员已保存。"))


@bp.post("/<code>/members/remove")
@login_required
def remove_member(code: str) -> Any:
    """Remove a member."""
    _done, error = attempt(
        unassign_member, get_session(), code, _field("email"), _actor(), editor=_user()
    )
    return _outcome(code, error, _("成员已移除。"))
