"""Open311 GeoReport v2 at /open311/v2/: civic-reporting apps file and follow tip-offs.

Requests are tip-offs (source "open311"); the service_request_id is the tracking code, and
the token is the same code (ids are assigned at once). Anyone may list requests and look
them up by id, and sees the public summary only (``credit.tipoffs.public``); the
reporter's own description, location text and the timeline need the secret returned at
creation (``X-Tipoff-Secret`` header, or the ``api_key`` parameter). Reporter identity
never leaves the handling regulators. Filing shares the ``tipoff-file`` bucket with the web
form and the JSON API; look-ups by id count against ``open311-lookup``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, request

from core.clock import CHINA
from core.db import get_session, utcnow
from core.errors import DomainError, Invalid, NotFound
from core.limits import consume
from credit.tipoffs.codes import normalize_code
from credit.tipoffs.duplicates import file_routed_with_suggestions
from credit.tipoffs.public import PublicTipOff, find_public, list_public
from credit.tipoffs.tracking import track
from credit.tipoffs.vocabulary import FINAL
from openapi.open311_format import errors, format_of, init_errors, reply
from openapi.open311_input import (
    Open311Error,
    filing_from_form,
    list_filters,
    lookup_codes,
    service_problems,
)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
init_errors(bp, "/open311/")
FMT = "<any(json, xml):fmt>"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
NAMES = {
    "air": ("大气污染", "Air pollution"),
    "water": ("水污染", "Water pollution"),
    "noise": ("噪声污染", "Noise"),
    "solid_waste": ("固体废物污染", "Solid waste"),
    "soil": ("土壤污染", "Soil pollution"),
    "radiation": ("辐射污染", "Radiation"),
    "ecology": ("生态破坏", "Ecological damage"),
    "other": ("其他污染", "Other pollution"),
}
ATTRIBUTES = [
    {
        "variable": True,
        "code": "region_code",
        "datatype": "string",
        "required": False,
        "datatype_description": "6 位行政区划代码（GB/T 2260），如 620102 / a 6-digit GB/T 2260 "
        "region code, e.g. 620102",
        "order": 1,
        "description": "发生地所在地区（不填时按地址判断，判断不了的由上级分派）/ the "
        "region where it happens (else found from the address, or "
        "triaged)",
    },
    {
        "variable": True,
        "code": "enterprise_uscc",
        "datatype": "string",
        "required": False,
        "datatype_description": "18 位统一社会信用代码 / the 18-character unified social credit "
        "code",
        "order": 2,
        "description": "被举报企业 / the enterprise reported",
    },
]


def service_name(code: str) -> str:
    """The service's name, the same in the service list and in every request."""
    cn, en = NAMES[code]
    return f"{cn} / {en}"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def _end_of(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA).isoformat()


def _request(p: PublicTipOff) -> dict[str, Any]:
    """A request's public fields (GeoReport v2 names); the description is a public summary."""
    cn, en = NAMES[p.category]
    return {
        "service_request_id": p.tracking_code,
        "status": "closed" if p.closed else "open",
        "status_notes": p.status_note,
        "service_name": service_name(p.category),
        "service_code": p.category,
        "description": f"{cn}举报（举报内容保密）/ {en.lower()} report (its text is confidential)",
        "agency_responsible": p.agency,
        "requested_datetime": _iso(p.received_at),
        "updated_datetime": _iso(p.updated_at),
        "expected_datetime": _end_of(p.due_at),
        "address": p.region_name,
        "zipcode": None,
        "lat": p.latitude,
        "long": p.longitude,
        "media_url": None,
    }


def _detailed(p: PublicTipOff, view: dict[str, Any]) -> dict[str, Any]:
    """With the secret: the reporter's own text, the status notes and the timeline."""
    notes = view["public_outcome"] or view["reject_reason"] or view["status_name"]
    return {
        **_request(p),
        "status": "closed" if view["status"] in FINAL else "open",
        "status_notes": notes,
        "description": view["description"],
        "address": view["location"],
        "notes": [
            {
                "datetime": _iso(e["at"]),
                "type": e["kind"],
                "summary": e["label"],
                "description": e["note"],
                "actor": e["actor"],
            }
            for e in view["timeline"]
        ],
    }


def _secret() -> str | None:
    return request.headers.get("X-Tipoff-Secret") or request.args.get("api_key") or None


@bp.errorhandler(Open311Error)
def _refused(exc: Open311Error) -> Response:
    return errors(format_of(request.path), exc.status, exc.descriptions)


@bp.after_request
def _no_store(response: Response) -> Response:
    """Answers to a POST (the secret) or to a request with the secret are never cached."""
    if request.method == "POST" or _secret():
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    """The tip-off categories as Open311 services (each has the optional attributes)."""
    data = [
        {
            "service_code": code,
            "service_name": service_name(code),
            "description": f"举报{cn}问题 / report {en.lower()}",
            "metadata": True,
            "type": "realtime",
            "keywords": code,
            "group": "环境 / environment",
        }
        for code, (cn, en) in NAMES.items()
    ]
    return reply(data, fmt, "services", "service")


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    """The optional attributes of a service (``attribute[region_code]`` and the enterprise)."""
    if code not in NAMES:
        raise Open311Error(404, ["service_code: 没有该服务 / no such service"])
    return reply({"service_code": code, "attributes": ATTRIBUTES}, fmt, "service_definition", None)


def _form_only() -> None:
    """POST parameters belong in the form body: a query string (where a reporter's name
    would reach access logs) or another body type is refused before anything is read."""
    if request.query_string:
        raise Open311Error(
            400,
            [
                "POST 参数须放在表单编码的请求体中，不能放在网址里；"
                "本次提交未保存 / POST parameters belong in the "
                "form-encoded body, not in the URL; nothing was stored"
            ],
        )
    if request.files:
        raise Open311Error(
            400,
            [
                "media: 不支持上传文件，请在网页表单上传 / file uploads are not "
                "supported here; use the web form (/tipoffs/new)"
            ],
        )
    if request.mimetype not in FORM_TYPES and request.get_data(cache=True):
        raise Open311Error(
            400,
            [
                "请求体须为 application/x-www-form-urlencoded / the body "
                "must be application/x-www-form-urlencoded"
            ],
        )


@bp.post(f"/requests.{FMT}")
def create(fmt: str) -> Response:
    """File a tip-off; the answer holds its id (= token) and the secret, once."""
    consume("tipoff-file")
    _form_only()
    data, notices = filing_from_form(request.form)
    try:
        filed, unplaced, similar = file_routed_with_suggestions(
            get_session(), data, current_app.config.get("TRIAGE_REGION_CODE"), source="open311"
        )
    except DomainError as exc:  # re-raised in the Open311 error format (rolled back)
        raise Open311Error(
            400 if isinstance(exc, Invalid) else exc.status,
            service_problems(exc.errors, exc.message),
        ) from None
    if unplaced:
        notices.append(
            "地址未能对应到行政区划，已交由上级部门分派 / the location could not be "
            "matched to a region; it is triaged by the authority"
        )
    notice = "; ".join(
        [
            "已收到，15 日内决定是否受理；请保存 service_request_id 和 secret / "
            "received; keep the service_request_id and the secret",
            *notices,
        ]
    )
    return reply(
        [
            {
                "service_request_id": filed.tracking_code,
                "token": filed.tracking_code,
                "service_notice": notice,
                "secret": filed.secret,
                # an extension (clients ignore unknown fields): open reports like this one
                "possible_duplicates": [_request(n.summary) for n in similar],
            }
        ],
        fmt,
        "service_requests",
        status=201,
    )


def _lookup(codes: list[str]) -> list[dict[str, Any]]:
    """Requests by id: public summaries, or the detailed view of one id with its secret."""
    session = get_session()
    secret = _secret()
    if secret is None:
        wanted = [c for c in (normalize_code(x) for x in codes) if c]
        return [_request(p) for p in find_public(session, wanted)]
    if len(codes) != 1:
        raise Open311Error(
            400,
            [
                "api_key: 密钥只能用于查询一个 service_request_id / a secret "
                "opens one service_request_id at a time"
            ],
        )
    consume("tipoff-track")
    try:
        view = track(session, codes[0], secret)
    except NotFound as exc:
        raise Open311Error(404, [exc.message]) from None
    return [_detailed(p, view) for p in find_public(session, [view["tracking_code"]])]


@bp.get(f"/requests.{FMT}")
def requests_(fmt: str) -> Response:
    """Public requests of the last 90 days (filters: service_code, status, start_date,
    end_date, page, page_size; lat + long + radius in metres, bbox=W,S,E,N on the public
    rounded coordinates), or the ones named by ``service_request_id``."""
    ids = request.args.get("service_request_id", "")
    if ids.strip():
        consume("open311-lookup")
        return reply(_lookup(lookup_codes(ids)), fmt, "service_requests")
    found = list_public(get_session(), **list_filters(request.args, utcnow()))
    return reply([_request(p) for p in found], fmt, "service_requests")


@bp.get(f"/requests/<code>.{FMT}")
def one(code: str, fmt: str) -> Response:
    """One request: its public summary, or with the secret its detailed view."""
    consume("open311-lookup")
    found = _lookup([code])
    if not found:
        raise Open311Error(404, ["service_request_id: 未找到该请求 / no such service request"])
    return reply(found, fmt, "service_requests")


@bp.get(f"/tokens/<token>.{FMT}")
def token(token: str, fmt: str) -> Response:
    """The service_request_id for a token (tokens are the ids themselves)."""
    consume("open311-lookup")
    code = normalize_code(token)
    found = find_public(get_session(), [code]) if code else []
    if not found:
        raise Open311Error(404, ["token: 未找到该令牌 / no such token"])
    return reply([{"service_request_id": code, "token": code}], fmt, "service_requests")
