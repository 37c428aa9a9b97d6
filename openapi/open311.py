"""Open311 GeoReport v2 at /open311/v2/: civic-reporting apps file and follow tip-offs.

Requests are tip-offs (source "open311"); the service_request_id is the tracking code. A
request's public view carries its status and public outcome only — never the reporter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import xmltodict
from flask import Blueprint, Response, jsonify, request

from core.db import get_session
from core.errors import DomainError, Invalid
from core.limits import limiter, tipoff_filing_limit
from credit.models import TipOff
from disclosure.tipoff_service import (
    CATEGORY_NAMES,
    FINAL,
    TipOffInput,
    file_tipoff,
    normalize_code,
)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
ENGLISH = {"air": "Air pollution", "water": "Water pollution", "noise": "Noise",
           "solid_waste": "Solid waste", "soil": "Soil pollution", "radiation": "Radiation",
           "ecology": "Ecological damage", "other": "Other pollution"}


def _reply(data: Any, fmt: str, root: str, item: str, status: int = 200) -> Response:
    if fmt == "xml":
        body = xmltodict.unparse({root: {item: data}}, pretty=True)
        return Response(body, status=status, mimetype="text/xml")
    response = jsonify(data)
    response.status_code = status
    return response


def _error(fmt: str, status: int, message: str) -> Response:
    return _reply([{"code": status, "description": message}], fmt, "errors", "error", status)


@bp.get("/services.<any(json, xml):fmt>")
def services(fmt: str) -> Response:
    """The tip-off categories as Open311 services."""
    data = [{"service_code": code, "service_name": f"{name} / {ENGLISH[code]}",
             "description": f"举报{name}污染 / report {ENGLISH[code].lower()}",
             "metadata": False, "type": "realtime", "keywords": code, "group": "环境 / environment"}
            for code, name in CATEGORY_NAMES.items()]
    return _reply(data, fmt, "services", "service")


@bp.post("/requests.<any(json, xml):fmt>")
@limiter.limit(tipoff_filing_limit, scope="tipoff-file", deduct_when=lambda r: r.status_code < 400)
def create(fmt: str) -> Response:
    """File a tip-off (anonymous unless a name and a phone or e-mail are given)."""
    form = request.form if request.form else request.args
    name = " ".join(p for p in (form.get("first_name"), form.get("last_name")) if p) or None
    contact = form.get("phone") or form.get("email")
    data = TipOffInput(
        category=form.get("service_code", ""), description=form.get("description", ""),
        location=form.get("address_string", "") or "（坐标见经纬度）",
        latitude=form.get("lat") or None, longitude=form.get("long") or None,
        enterprise=form.get("attribute[enterprise_uscc]") or None,
        region_code=form.get("attribute[region_code]") or None,
        anonymous=not (name and contact), reporter_name=name if contact else None,
        reporter_phone=form.get("phone") or None, reporter_email=form.get("email") or None)
    session = get_session()
    try:
        filed = file_tipoff(session, data, source="open311")
    except DomainError as exc:
        session.rollback()
        details = exc.errors if isinstance(exc.errors, dict) else {}
        message = exc.message + "".join(f"; {k}: {' '.join(map(str, v))}"
                                        for k, v in details.items())
        return _error(fmt, 400 if isinstance(exc, Invalid) else exc.status, message)
    session.commit()
    return _reply([{"service_request_id": filed.tracking_code,
                    "service_notice": "请保存查询码和密钥 / keep the code and secret to track it",
                    "secret": filed.secret}], fmt, "service_requests", "request", 201)


def _view(tipoff: TipOff) -> dict[str, Any]:
    def stamp(moment: dt.datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {"service_request_id": tipoff.tracking_code,
            "status": "closed" if tipoff.status in FINAL else "open",
            "status_notes": tipoff.public_outcome or tipoff.reject_reason or "",
            "service_code": tipoff.category,
            "service_name": CATEGORY_NAMES.get(tipoff.category, tipoff.category),
            "requested_datetime": stamp(tipoff.created_at),
            "updated_datetime": stamp(tipoff.closed_at or tipoff.accepted_at or
                                      tipoff.created_at),
            "expected_datetime": tipoff.due_at.isoformat()}


def _find(codes: list[str]) -> list[TipOff]:
    wanted = [c for c in (normalize_code(x) for x in codes[:50]) if c]
    if not wanted:
        return []
    from sqlalchemy import select

    return list(get_session().scalars(select(TipOff).where(TipOff.tracking_code.in_(wanted))))


@bp.get("/requests.<any(json, xml):fmt>")
def requests_(fmt: str) -> Response:
    """Status of the requests named by ``service_request_id`` (comma-separated).

    There is no open listing: tip-offs are reachable only by their own tracking codes.
    """
    codes = request.args.get("service_request_id", "")[:2000].split(",")
    return _reply([_view(t) for t in _find(codes)], fmt, "service_requests", "request")


@bp.get("/requests/<code>.<any(json, xml):fmt>")
def one(code: str, fmt: str) -> Response:
    found = _find([code])
    if not found:
        return _error(fmt, 404, "未找到该请求 / no such service request")
    return _reply([_view(found[0])], fmt, "service_requests", "request")


@bp.get("/tokens/<token>.<any(json, xml):fmt>")
def token(token: str, fmt: str) -> Response:
    """Requests get their id at once, so tokens are never issued."""
    return _error(fmt, 404, "本服务不签发令牌 / this service issues no tokens")
