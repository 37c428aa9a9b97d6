"""What people do in a browser: public search, enterprise pages, notices, tip-offs."""

from __future__ import annotations

from typing import Any

from flask import Flask, make_response, render_template

from core.web import ERROR_PAGE


def _error_page(status: int, title: str, detail: str | None) -> Any:
    return make_response(render_template("disclosure/error.html", status=status, title=title,
                                         detail=detail), status)


def init_app(app: Flask) -> None:
    """Register the public pages and the HTML error page."""
    from disclosure import regulator, views
    from disclosure.auth import init_auth

    init_auth(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(regulator.bp)
    app.extensions[ERROR_PAGE] = _error_page
