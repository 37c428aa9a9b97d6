"""Web plumbing every feature shares: the request session, errors as problem+json, /healthz."""

from __future__ import annotations

import contextlib
import logging
import re
from inspect import iscoroutinefunction
from typing import Any, ClassVar

from flask import Blueprint, Flask, current_app, g, has_request_context, jsonify, request, url_for
from sqlalchemy import text
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

from core.db import Database, get_db, reset_write_intent, set_write_intent
from core.errors import DomainError
from core.problems import PROBLEM_BASE as PROBLEM_BASE  # re-exported, used to live here
from core.problems import problem_type

log = logging.getLogger(__name__)
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
        return reject_long_query() or reject_nul_bytes() or reject_hostile_json()

    @app.teardown_request
    def _reset_write_intent(_exc: BaseException | None) -> None:
        token = g.pop("_write_token", None)
        if token is not None:
            reset_write_intent(token)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        db.session.remove()

    return db


class TrustedHostGuard:
    """WSGI middleware: a request whose Host is not in ``TRUSTED_HOSTS`` gets 400 before the
    app sees it, so no absolute URL (feed ids, QR codes, Link headers) is ever built from a
    host an attacker chose (security F5)."""

    def __init__(self, wsgi_app: Any, hosts: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from werkzeug.sansio.utils import host_is_trusted

        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not self.hosts or host_is_trusted(host, self.hosts):
            return self.wsgi_app(environ, start_response)
        type_uri, title = problem_type(400, "untrusted-host")
        body = jsonify_bytes({"type": type_uri, "title": title, "status": 400,
                              "detail": "不受信任的主机名 / the Host header names a host this "
                              "site does not serve"})
        start_response("400 Bad Request", [("Content-Type", "application/problem+json"),
                                           ("Content-Length", str(len(body)))])
        return [body]


def jsonify_bytes(data: Any) -> bytes:
    import json

    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def guard_hosts(app: Flask) -> None:
    """Wrap the app in :class:`TrustedHostGuard` for its ``TRUSTED_HOSTS``."""
    app.wsgi_app = TrustedHostGuard(app.wsgi_app, list(app.config.get("TRUSTED_HOSTS") or []))  # type: ignore[method-assign]


def reject_long_query() -> Any:
    """A query string past ``MAX_QUERY_BYTES`` is 414 (problem+json), before anything parses it."""
    if len(request.query_string) > int(current_app.config.get("MAX_QUERY_BYTES") or 4096):
        return _error_response(414, "URI Too Long",
                               "查询字符串过长 / the query string is too long", "uri-too-long")
    return None


#: a JSON string literal (escapes included); removed before counting brackets and digits
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


def json_body_problem(raw: bytes, max_depth: int, max_digits: int) -> str | None:
    """Why a JSON body must not be parsed (too deep, a number too long), or None.

    Python's json module would raise RecursionError on deep nesting and ValueError on
    integers of thousands of digits; both are found here with C-speed regular expressions
    over the text with its strings blanked out.
    """
    text = raw.decode("utf-8", errors="replace")
    bare = _JSON_STRING.sub('""', text)
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(bare):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            return f"嵌套超过 {max_depth} 层 / nested deeper than {max_depth} levels"
    if re.search("[0-9]{" + str(max_digits + 1) + ",}", bare):
        return f"数字超过 {max_digits} 位 / a number longer than {max_digits} digits"
    return None


def reject_hostile_json() -> Any:
    """JSON bodies: a size cap (413), then nesting and number-length caps (400), before
    any view parses them."""
    if request.method in SAFE_METHODS or not request.is_json:
        return None
    config = current_app.config
    limit = int(config.get("JSON_MAX_BYTES") or 2 * 1024 * 1024)
    if (request.content_length or 0) > limit:
        return _error_response(413, "Content Too Large",
                               f"JSON 请求体超过 {limit} 字节 / the JSON body is larger than "
                               f"{limit} bytes", "too-large")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        return _error_response(413, "Content Too Large",
                               f"JSON 请求体超过 {limit} 字节 / the JSON body is larger than "
                               f"{limit} bytes", "too-large")
    reason = json_body_problem(raw, int(config.get("JSON_MAX_DEPTH") or 32),
                               int(config.get("JSON_MAX_NUMBER_DIGITS") or 40))
    if reason:
        return _error_response(400, "Bad Request", f"JSON 请求体被拒绝：{reason} / the JSON "
                               "body was refused", "invalid-json")
    return None


_UNSAFE_PATH = re.compile(r"[ \\]|//|%0|%5c", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_local_path(target: str | None, prefix: str, default: str) -> str:
    """``target`` if it is a path of this site under ``prefix`` (no scheme, host, backslash
    or space, raw or percent-encoded); else ``default``. A control character (CR, LF …) in a
    redirect target is an attack, not a typo: 400."""
    if target and _CONTROL.search(target):
        raise BadRequest("跳转地址含有控制字符 / the redirect target contains control "
                         "characters")
    if target and target.startswith(prefix) and len(target) <= 1000 and \
            not _UNSAFE_PATH.search(target):
        return target
    return default


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL: ``PUBLIC_BASE_URL`` + path when set, else the request's own host,
    which only ``TRUSTED_HOSTS`` may be (other Host values are refused with 400)."""
    path = url_for(endpoint, **values)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + path
    if has_request_context():
        return request.host_url.rstrip("/") + path
    return "http://localhost" + path


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
            errors: Any = None, headers: dict[str, str] | None = None,
            extensions: dict[str, Any] | None = None) -> Any:
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
