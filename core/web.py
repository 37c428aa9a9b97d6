"""Web plumbing every feature shares: the request's session and its one transaction
boundary, errors as problem+json or error pages, absolute URLs, /healthz and /readyz.

**The transaction boundary.** Views never commit or roll back. After a view returns, the
request's session commits (``transaction_boundary``); when a view raises, the error handler
rolls back. A page that shows a DomainError as a form error runs the service through
:func:`attempt`, which undoes just that call (a savepoint), so a 4xx page never carries half a
write. CLI commands (``core.cli.transaction``) and change-log consumers own their
transactions explicitly.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_app_context,
    has_request_context,
    jsonify,
    request,
    url_for,
)
from sqlalchemy import text
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

from core import audit, changelog
from core.db import Database, get_db, get_session, reset_write_intent, set_write_intent
from core.errors import DomainError
from core.guards import check_request
from core.messages import msg
from core.problems import problem_type

log = logging.getLogger(__name__)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")

bp = Blueprint("core", __name__)


class App(Flask):
    """Flask, with a rollback on every exception."""

    def handle_user_exception(self, e: Exception) -> Any:
        """Any exception raised by a view or a hook rolls the request's session back first,
        whichever error handler then answers (so the transaction boundary never commits
        half a write behind an error page)."""
        if has_app_context() and "envcredit.db" in self.extensions:
            registry = self.extensions["envcredit.db"].session
            if registry.registry.has():
                registry().rollback()
        return super().handle_user_exception(e)


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
    def _write_intent() -> None:
        g._write_token = set_write_intent(request.method not in SAFE_METHODS)
        check_request()

    app.after_request(transaction_boundary)

    @app.teardown_request
    def _reset_write_intent(_exc: BaseException | None) -> None:
        token = g.pop("_write_token", None)
        if token is not None:
            reset_write_intent(token)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        db.session.remove()

    return db


_UNSAFE_PATH = re.compile(r"[ \\]|//|%0|%5c", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _pending_writes(session: Any) -> bool:
    return bool(
        session.new
        or session.dirty
        or session.deleted
        or session.info.get(audit.PENDING)
        or session.info.get(changelog.PENDING)
    )


def transaction_boundary(response: Any) -> Any:
    """Commit the request's session once the view has answered (4xx included: a form error
    came through :func:`attempt`, which undid its writes); a read-only request with nothing
    pending just ends. A failed commit answers 500/503 and stores nothing."""
    registry = get_db().session
    if not registry.registry.has():
        return response
    session = registry()
    if (
        not session.in_transaction()
        or response.status_code >= 500
        or (
            request.method in SAFE_METHODS and not g.get("_writes") and not _pending_writes(session)
        )
    ):
        return response
    try:
        session.commit()
    except Exception as exc:  # e.g. the database went away between the view and here
        session.rollback()
        log.exception("commit failed on %s %s", request.method, request.path)
        busy = type(exc).__name__ == "OperationalError"
        return _error_response(
            503 if busy else 500,
            "Service Unavailable" if busy else "Internal Server Error",
            msg("保存失败，请重试"),
        )
    return response


def writes_on_get(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a GET view that writes (a one-time receipt deleted as it is shown): its
    transaction takes the write lock from its first statement and is committed."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g._writes = True
        set_write_intent(True)  # reset at the end of the request (g._write_token)
        return view(*args, **kwargs)

    return wrapper


def attempt(
    action: Callable[..., T], *args: Any, **kwargs: Any
) -> tuple[T | None, DomainError | None]:
    """Run one service call for a page: ``(result, None)``, or ``(None, error)`` with every
    write of the call undone (a savepoint), for the page to show as a form error."""
    session = get_session()
    try:
        with session.begin_nested():
            return action(*args, **kwargs), None
    except DomainError as exc:
        return None, exc


def page_number(args: Any) -> int:
    """The ``?page=`` of a listing: a small positive number, else 1."""
    page = args.get("page", "1")
    return int(page) if page.isdigit() and 0 < len(page) < 6 else 1


def safe_local_path(target: str | None, prefix: str, default: str) -> str:
    """``target`` if it is a path of this site under ``prefix`` (no scheme, host, backslash
    or space, raw or percent-encoded); else ``default``. A control character (CR, LF …) in a
    redirect target is an attack, not a typo: 400."""
    if target and _CONTROL.search(target):
        raise BadRequest(msg("跳转地址含有控制字符"))
    if (
        target
        and target.startswith(prefix)
        and len(target) <= 1000
        and not _UNSAFE_PATH.search(target)
    ):
        return target
    return default


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL: ``PUBLIC_BASE_URL`` + path when set, else the request's own host,
    which only ``TRUSTED_HOSTS`` may be (other Host values are refused with 400)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a consumer thread (mails): no request to take a host from, only the URL map
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + path
    if has_request_context():
        return request.host_url.rstrip("/") + path
    return "http://localhost" + path


def wants_problem_json() -> bool:
    """True when the request is for the API (or asks for JSON) rather than a page."""
    if request.path.startswith(("/api/", "/open311/")):
        return True
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json"]
    )
    return best in {"application/json", "application/problem+json"}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    kind: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Any:
    """An RFC 9457 application/problem+json response.

    Type and title come from the one table in core.problems (a fixed title per type);
    ``title`` given here is specific to the occurrence, so it becomes the ``detail`` when
    there is no other. ``extensions`` are further members (e.g. the feed's head seq).
    """
    type_uri, fixed_title = problem_type(status, kind)
    body: dict[str, Any] = {"type": type_uri, "title": fixed_title, "status": status}
    detail = detail or (title if title != fixed_title else None)
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    if has_request_context() and g.get("request_id"):
        body["request_id"] = g.request_id
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


#: optional page renderer for errors, set by the portal: (status, title, detail, errors) ->
#: response; title and detail may be :class:`core.messages.Msg` (each language apart)
ERROR_PAGE = "envcredit.error_page"


def _error_response(
    status: int,
    title: str,
    detail: str | None,
    kind: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    render = current_app.extensions.get(ERROR_PAGE)
    if wants_problem_json() or render is None:
        return problem(status, title, detail, kind, errors, headers)
    response = render(status, title, detail, errors)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Every error leaves as problem+json (API) or an error page (portal), never a trace."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
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
        return _error_response(
            500,
            "Internal Server Error",
            msg("服务器内部错误，已记录"),
        )


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness: the process answers (no database round trip). ``?detail=1`` is /readyz."""
    if request.args.get("detail") in {"1", "true", "yes"}:
        return readyz()
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """Readiness: database reachability, then each registered section (migration head,
    consumers' lag, search lag); 503 when the database cannot be reached."""
    db = get_db()
    body: dict[str, Any] = {"status": "ok"}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:
        log.warning("readyz: database unreachable: %s", type(exc).__name__)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    for name, probe in current_app.extensions.get("envcredit.health", {}).items():
        try:
            body[name] = probe()
        except Exception as exc:
            body[name] = {"error": type(exc).__name__}
    return jsonify(body)


def register_health(app: Flask, name: str, probe: Any) -> None:
    """Add a section to /readyz (e.g. search lag)."""
    app.extensions.setdefault("envcredit.health", {})[name] = probe
