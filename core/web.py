"""Web plumbing every feature shares: the request session, errors as problem+json, /healthz."""

from __future__ import annotations

import contextlib
import logging
from inspect import iscoroutinefunction
from typing import Any, ClassVar

from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from core.db import Database, get_db, reset_write_intent, set_write_intent
from core.errors import DomainError

log = logging.getLogger(__name__)
PROBLEM_BASE = "https://envcredit.org/problems/"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

bp = Blueprint("core", __name__)


class App(Flask):
    """Flask, with ``ensure_sync`` answered from a cache.

    Flask asks ``inspect.iscoroutinefunction`` about every hook and view on every request
    (about twenty times for an API read); whether a function is a coroutine function never
    changes, so the answer is kept per function (bound methods by their underlying function).
    """

    _is_async: ClassVar[dict[Any, bool]] = {}

    def ensure_sync(self, func: Any) -> Any:
        key = getattr(func, "__func__", func)
        try:
            is_async = self._is_async[key]
        except (KeyError, TypeError):  # TypeError: an unhashable callable, not cached
            is_async = iscoroutinefunction(func)
            with contextlib.suppress(TypeError):
                self._is_async[key] = is_async
        return self.async_to_sync(func) if is_async else func


class BoundedInt(IntegerConverter):
    """``<int:…>`` in URLs stops at the largest 32-bit id: a bigger number is a 404, not a
    database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_db(app: Flask) -> Database:
    """Attach the Database to the app and scope one session to each request."""
    db = Database(app.config["DATABASE_URL"])
    app.extensions["envcredit.db"] = db

    @app.before_request
    def _write_intent() -> Any:
        g._write_token = set_write_intent(request.method not in SAFE_METHODS)
        return reject_nul_bytes()

    @app.teardown_request
    def _reset_write_intent(_exc: BaseException | None) -> None:
        token = g.pop("_write_token", None)
        if token is not None:
            reset_write_intent(token)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        db.session.remove()

    return db


def reject_nul_bytes() -> Any:
    """No database stores NUL in text: refuse it in the URL or form up front (400)."""
    values = [request.path]
    query = request.query_string
    if b"%00" in query or b"\x00" in query:  # only these decode to NUL: parse just then
        values += [*request.args.keys(), *request.args.values()]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in v for v in values):
        return _error_response(400, "Bad Request",
                               "请求中含有不允许的空字符 (NUL) / the request contains a NUL "
                               "character, which is not allowed", "invalid-characters")
    return None


def wants_problem_json() -> bool:
    """True when the request is for the API (or asks for JSON) rather than a page."""
    if request.path.startswith(("/api/", "/open311/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json",
                                                "application/problem+json"])
    return best in {"application/json", "application/problem+json"}


def problem(status: int, title: str, detail: str | None = None, kind: str | None = None,
            errors: Any = None, headers: dict[str, str] | None = None) -> Any:
    """An RFC 9457 application/problem+json response."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + (kind or str(status)), "title": title,
                            "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


#: optional page renderer for errors, set by the portal: (status, title, detail) -> response
ERROR_PAGE = "envcredit.error_page"


def _error_response(status: int, title: str, detail: str | None, kind: str | None = None,
                    errors: Any = None, headers: dict[str, str] | None = None) -> Any:
    render = current_app.extensions.get(ERROR_PAGE)
    if wants_problem_json() or render is None:
        return problem(status, title, detail, kind, errors, headers)
    response = render(status, title, detail)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Every error leaves as problem+json (API) or an error page (portal), never a trace."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        get_db().session.rollback()
        return _error_response(exc.status, exc.message, None, exc.kind, exc.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        headers = {k: v for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}}
        errors = None
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:
            errors = data["messages"]  # webargs validation details
        status = exc.code or 500
        return _error_response(status, exc.name, exc.description, str(status), errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        get_db().session.rollback()
        return _error_response(500, "Internal Server Error",
                               "服务器内部错误，已记录 / an internal error occurred and was logged")


@bp.get("/healthz")
def healthz() -> Any:
    """Database reachability and search lag (change-log rows not yet indexed)."""
    db = get_db()
    body: dict[str, Any] = {"status": "ok"}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:
        log.warning("healthz: database unreachable: %s", type(exc).__name__)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    for name, probe in current_app.extensions.get("envcredit.health", {}).items():
        try:
            body[name] = probe()
        except Exception as exc:
            body[name] = {"error": type(exc).__name__}
    return jsonify(body)


def register_health(app: Flask, name: str, probe: Any) -> None:
    """Add a section to /healthz (e.g. search lag)."""
    app.extensions.setdefault("envcredit.health", {})[name] = probe
