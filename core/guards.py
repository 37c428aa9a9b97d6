"""Request guards every route shares, run before any view: the Host allow-list (WSGI), then
the query-string length, NUL characters and hostile JSON bodies (security F5, F7)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request
from werkzeug.sansio.utils import host_is_trusted

from core.errors import Refused
from core.messages import msg
from core.problems import problem_type

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TrustedHostGuard:
    """WSGI middleware: a request whose Host is not in ``TRUSTED_HOSTS`` gets 400 before the
    app sees it, so no absolute URL (feed ids, QR codes, Link headers) is ever built from a
    host an attacker chose (security F5)."""

    def __init__(self, wsgi_app: Any, hosts: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not self.hosts or host_is_trusted(host, self.hosts):
            return self.wsgi_app(environ, start_response)
        from core.logs import accepted_id

        type_uri, title = problem_type(400, "untrusted-host")
        request_id = accepted_id(environ.get("HTTP_X_REQUEST_ID"))
        body = json.dumps(
            {
                "type": type_uri,
                "title": title,
                "status": 400,
                "detail": "不受信任的主机名 / the Host header names "
                "a host this site does not serve",
                "request_id": request_id,
            },
            ensure_ascii=False,
        ).encode()
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", "application/problem+json"),
                ("Content-Length", str(len(body))),
                ("X-Request-ID", request_id),
            ],
        )
        return [body]


def guard_hosts(app: Flask) -> None:
    """Wrap the app in :class:`TrustedHostGuard` for its ``TRUSTED_HOSTS``."""
    hosts = list(app.config.get("TRUSTED_HOSTS") or [])
    app.wsgi_app = TrustedHostGuard(app.wsgi_app, hosts)  # type: ignore[method-assign]  # WSGI middleware


def check_request() -> None:
    """Refuse a request (``Refused``: 414, 400 or 413) before any view parses it."""
    check_query_length()
    check_nul_bytes()
    check_json_body()


def check_query_length() -> None:
    """A query string past ``MAX_QUERY_BYTES`` is 414."""
    if len(request.query_string) > int(current_app.config.get("MAX_QUERY_BYTES") or 4096):
        raise Refused(414, "uri-too-long", msg("查询字符串过长"))


def check_nul_bytes() -> None:
    """No database stores NUL in text: refuse it in the URL or form up front (400)."""
    values = [request.path]
    query = request.query_string
    if b"%00" in query or b"\x00" in query:  # only these decode to NUL: parse just then
        values += [*request.args.keys(), *request.args.values()]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in v for v in values):
        raise Refused(
            400,
            "invalid-characters",
            msg("请求中含有不允许的空字符 (NUL)"),
        )


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
            return msg("嵌套超过 %(n)s 层", n=max_depth)
    if re.search("[0-9]{" + str(max_digits + 1) + ",}", bare):
        return msg("数字超过 %(n)s 位", n=max_digits)
    return None


def check_json_body() -> None:
    """JSON bodies: a size cap (413), then nesting and number-length caps (400)."""
    if request.method in SAFE_METHODS or not request.is_json:
        return
    config = current_app.config
    limit = int(config.get("JSON_MAX_BYTES") or 2 * 1024 * 1024)
    too_large = Refused(
        413,
        "too-large",
        msg("JSON 请求体超过 %(n)s 字节", n=limit),
    )
    if (request.content_length or 0) > limit:
        raise too_large
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise too_large
    reason = json_body_problem(
        raw,
        int(config.get("JSON_MAX_DEPTH") or 32),
        int(config.get("JSON_MAX_NUMBER_DIGITS") or 40),
    )
    if reason:
        raise Refused(400, "invalid-json", msg("JSON 请求体被拒绝：%(reason)s", reason=reason))
