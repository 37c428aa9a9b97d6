"""What people do in a browser: public search, enterprise pages, notices, tip-offs."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template

from core.web import ERROR_PAGE


def _error_page(status: int, title: str, detail: str | None) -> Any:
    return render_template("disclosure/error.html", status=status, title=title,
                           detail=detail), status


def init_app(app: Flask) -> None:
    """Register the public pages and the HTML error page."""
    from disclosure import views

    app.register_blueprint(views.bp)
    app.extensions[ERROR_PAGE] = _error_page
