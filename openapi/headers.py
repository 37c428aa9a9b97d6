"""HTTP headers the open API promises: CORS (flask-cors), ETag/304, Cache-Control,
WWW-Authenticate on 401, the RFC 8288 ``Link: rel="next"`` of paged reads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, Response, current_app, request
from flask_cors import CORS

from core.web import external_url

#: where browsers of other sites may call us (public data, no cookies involved)
CORS_PATHS = (r"/api/*", r"/open311/*", r"/feeds/*")
CORS_METHODS = ["GET", "HEAD", "POST", "DELETE", "OPTIONS"]
CORS_ALLOW_HEADERS = ["Authorization", "If-None-Match", "Content-Type", "X-Tipoff-Secret"]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Link",
    "X-Change-Seq",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "Location",
    "WWW-Authenticate",
]
#: reads of public data a shared cache may keep for a minute
PUBLIC_MAX_AGE = "public, max-age=60"
#: reads that must be revalidated each time (with If-None-Match: a 304 costs no quota)
REVALIDATE = "no-cache"
#: blueprints whose answers move with every change (the feed, the exports)
REVALIDATED_BLUEPRINTS = frozenset({"changes", "exports"})
REALM = 'Bearer realm="envcredit"'


def init_headers(app: Flask) -> None:
    """CORS on the machine-facing paths, and the API's read headers on every response."""
    resource = {
        "origins": "*",
        "send_wildcard": True,
        "supports_credentials": False,
        "methods": CORS_METHODS,
        "allow_headers": CORS_ALLOW_HEADERS,
        "expose_headers": CORS_EXPOSE_HEADERS,
        "max_age": 86400,
    }
    CORS(app, resources={path: resource for path in CORS_PATHS})
    app.before_request(_preflight)
    app.after_request(api_headers)


def _preflight() -> Response | None:
    """OPTIONS on a CORS path: an empty 204 with Allow (flask-cors adds its headers), not
    the portal's default HTML answer."""
    if (
        request.method != "OPTIONS"
        or request.routing_exception is not None
        or not request.path.startswith(("/api/", "/open311/", "/feeds/"))
    ):
        return None
    response = current_app.make_default_options_response()
    response.status_code = 204
    response.headers.pop("Content-Type", None)
    return response


def api_headers(response: Response) -> Response:
    """ETag and 304, Cache-Control and WWW-Authenticate for /api/ answers; the call is
    counted against the quota last, once the status (a 304 is free) is known."""
    from openapi.access import count_call

    if not request.path.startswith("/api/"):
        return response
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = www_authenticate()
    if request.method in {"GET", "HEAD"}:
        _conditional(response)
        _cache_control(response)
    return count_call(response)


def www_authenticate() -> str:
    """The RFC 6750 challenge: with ``error="invalid_token"`` when a key was sent."""
    if request.headers.get("Authorization"):
        return (
            f'{REALM}, error="invalid_token", error_description="the key is invalid, '
            'revoked or not a Bearer key"'
        )
    return REALM


def _conditional(response: Response) -> None:
    """A strong ETag of the body, and 304 when the client already has it (the rest of
    make_conditional — ranges, dates — does not apply to API reads)."""
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return
    etag = hashlib.sha1(response.get_data(), usedforsecurity=False).hexdigest()
    response.set_etag(etag)
    if request.if_none_match.contains_weak(etag):
        not_modified(response)


def not_modified(response: Response) -> Response:
    """Turn ``response`` into a 304 (its headers kept, its body dropped)."""
    response.status_code = 304
    response.set_data(b"")
    response.headers.pop("Content-Length", None)
    return response


def _cache_control(response: Response) -> None:
    if response.status_code not in {200, 304} or "Cache-Control" in response.headers:
        return
    if request.headers.get("Authorization"):
        value = "private, " + REVALIDATE  # what a key sees is for that key only
    elif request.blueprint in REVALIDATED_BLUEPRINTS:
        value = REVALIDATE
    else:
        value = PUBLIC_MAX_AGE
    response.headers["Cache-Control"] = value


def next_link(after: Any, params: Iterable[str]) -> dict[str, str]:
    """``Link: <…>; rel="next"`` to this endpoint with this request's ``params`` (the
    operation's own query parameters) and ``after``: absolute (``external_url``), every
    value percent-encoded as UTF-8, so the header is ASCII and parses per RFC 8288."""
    if after is None:
        return {}
    names = set(params) - {"after"}
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k in names]
    pairs.append(("after", str(after)))
    url = external_url(request.endpoint or "", **(request.view_args or {}))
    return {"Link": f'<{url}?{urlencode(pairs, quote_via=quote)}>; rel="next"'}


def query_params(schema: Any) -> list[str]:
    """The query parameter names of a marshmallow schema (class or instance)."""
    fields = schema().fields if isinstance(schema, type) else schema.fields
    return [field.data_key or name for name, field in fields.items()]
