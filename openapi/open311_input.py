"""Reading Open311 input: the POST body of a new request and the filters of GET requests.

Field names in every error are the GeoReport ones (``service_code``, ``lat``,
``attribute[region_code]``), also for problems the tip-off service finds.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from werkzeug.datastructures import MultiDict

from core.clock import CHINA
from core.errors import BadRequest, describe
from core.xmltext import has_control_characters
from credit.records.nearby import Near, Where, parse_point, parse_radius, parse_where
from credit.tipoffs.filing import TipOffInput
from credit.tipoffs.models import TIPOFF_CATEGORIES
from credit.tipoffs.public import MAX_PAGE_SIZE, MAX_SPAN_DAYS

#: GeoReport v2 POST fields; the ones we do not keep are accepted and dropped
SPEC_FIELDS = (
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "api_key",
)
ATTRIBUTES = ("region_code", "enterprise_uscc")
#: the tip-off service's field names → the Open311 names clients sent
SPEC_NAMES = {
    "category": "service_code",
    "description": "description",
    "location": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "region_code": "attribute[region_code]",
    "enterprise": "attribute[enterprise_uscc]",
    "reporter_name": "first_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "reporter_contact": "phone/email",
}
MAX_LOOKUP_CODES = 20
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class Open311Error(Exception):
    """A request Open311 refuses: the HTTP status and one description per problem."""

    def __init__(self, status: int, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def _single(form: MultiDict[str, str]) -> dict[str, str]:
    allowed = {*SPEC_FIELDS, *(f"attribute[{a}]" for a in ATTRIBUTES)}
    problems = []
    for name in form:
        if name not in allowed:
            problems.append(
                f"{name[:60]}: 不是 GeoReport v2 字段 / not a GeoReport v2 field "
                f"(service definition: GET services/{{service_code}}.json)"
            )
        elif len(form.getlist(name)) > 1:
            problems.append(f"{name}: 只能出现一次 / given more than once")
        elif has_control_characters(form[name]):
            problems.append(f"{name}: 含有控制字符 / contains control characters")
    if problems:
        raise Open311Error(400, problems)
    return {name: form[name].strip() for name in form}


def _location(values: dict[str, str]) -> str:
    if values.get("address_string"):
        return values["address_string"]
    if values.get("lat") and values.get("long"):
        return f"坐标 / coordinates {values['lat'][:20]}, {values['long'][:20]}"
    raise Open311Error(
        400,
        [
            "lat/long, address_string: 须填写经纬度（lat 与 long）或地址 "
            "address_string / give lat and long, or address_string"
        ],
    )


def filing_from_form(form: MultiDict[str, str]) -> tuple[TipOffInput, list[str]]:
    """The tip-off a POST body describes, and notices for the reply (what was dropped)."""
    values = _single(form)
    code = values.get("service_code", "")
    if code not in TIPOFF_CATEGORIES:
        raise Open311Error(
            400,
            [
                f"service_code: 须为 {'/'.join(TIPOFF_CATEGORIES)} 之一 / "
                "must be one of the codes in services.json"
            ],
        )
    if values.get("media_url"):
        raise Open311Error(
            400,
            [
                "media_url: 不支持链接附件，请在网页表单上传 / media_url is not "
                "supported; attach files on the web form (/tipoffs/new)"
            ],
        )
    name = " ".join(p for p in (values.get("last_name"), values.get("first_name")) if p)
    contact = values.get("phone") or values.get("email")
    notices = []
    if (name or contact) and not (name and contact):
        notices.append(
            "未同时提供姓名和联系方式，按匿名举报处理，所填信息未保存 / filed "
            "anonymously: a name and a phone or e-mail are both needed to file "
            "in your name, so what you gave was not kept"
        )
    named = bool(name and contact)
    data = TipOffInput(
        category=code,
        description=values.get("description", ""),
        location=_location(values),
        latitude=values.get("lat") or None,
        longitude=values.get("long") or None,
        enterprise=values.get("attribute[enterprise_uscc]") or None,
        region_code=values.get("attribute[region_code]") or None,
        anonymous=not named,
        reporter_name=name if named else None,
        reporter_phone=(values.get("phone") or None) if named else None,
        reporter_email=(values.get("email") or None) if named else None,
    )
    return data, notices


def service_problems(errors: Any, message: str) -> list[str]:
    """The tip-off service's field errors under the Open311 field names."""
    if not isinstance(errors, dict) or not errors:
        return [message]
    return [
        f"{SPEC_NAMES.get(field, field)}: {' '.join(map(str, texts))}"
        for field, texts in errors.items()
    ]


def lookup_codes(value: str) -> list[str]:
    """The comma-separated ``service_request_id`` values (at most ``MAX_LOOKUP_CODES``)."""
    codes = [c.strip() for c in value.split(",") if c.strip()]
    if len(codes) > MAX_LOOKUP_CODES:
        raise Open311Error(
            400,
            [
                f"service_request_id: 一次最多查询 {MAX_LOOKUP_CODES} 个 / at "
                f"most {MAX_LOOKUP_CODES} ids per request"
            ],
        )
    return codes


def _moment(args: MultiDict[str, str], name: str) -> dt.datetime | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text[:40])
    except ValueError:
        raise Open311Error(
            400,
            [
                f"{name}: 须为 W3C 日期时间，如 2026-11-01T00:00:00+08:00 / "
                "must be a W3C datetime such as 2026-11-01T00:00:00Z"
            ],
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
    if not EARLIEST <= moment <= LATEST:
        raise Open311Error(
            400, [f"{name}: 须在 2000 年至 2100 年之间 / must lie between 2000 and 2100"]
        )
    return moment


def _choices(args: MultiDict[str, str], name: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [c.strip() for c in ",".join(args.getlist(name)).split(",") if c.strip()]
    wrong = [c for c in chosen if c not in allowed]
    if wrong:
        raise Open311Error(400, [f"{name}: 须为 {','.join(allowed)} 中的值 / unknown value"])
    return chosen


def _page(args: MultiDict[str, str], name: str, default: int, high: int) -> int:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 6 or not 1 <= int(text) <= high:
        raise Open311Error(400, [f"{name}: 须为 1–{high} 的整数 / a whole number 1–{high}"])
    return int(text)


def _metres(text: str) -> str:
    """The ``radius`` extension (metres) as the km text ``parse_radius`` reads."""
    try:
        metres = float(text) if len(text) <= 30 else math.nan
    except ValueError:
        metres = math.nan
    if not math.isfinite(metres):
        raise Open311Error(400, ["radius: 须为米数 / must be a number of metres"])
    return repr(metres / 1000)


def geo_filter(args: MultiDict[str, str]) -> Where | None:
    """The geographic extensions: ``lat`` + ``long`` with ``radius`` (metres, default
    DEFAULT_RADIUS_KM, ≤ MAX_RADIUS_KM), and ``bbox`` (W,S,E,N); WGS-84; None without."""
    lat, lon = (args.get("lat") or "").strip(), (args.get("long") or "").strip()
    radius, bbox = (args.get("radius") or "").strip(), (args.get("bbox") or "").strip()
    try:
        near = None
        if lat or lon:
            point = parse_point(lat, lon)
            km = parse_radius(_metres(radius) if radius else None, "radius")
            near = Near(point[0], point[1], km)
        elif radius:
            raise Open311Error(400, ["radius: 须与 lat、long 一同使用 / only with lat and long"])
        box = parse_where(bbox=bbox).box if bbox else None
    except BadRequest as exc:
        raise Open311Error(400, [describe(exc)]) from None
    return Where(near, box) if near or box else None


def list_filters(args: MultiDict[str, str], now: dt.datetime) -> dict[str, Any]:
    """``service_code``, ``status``, ``start_date``/``end_date`` (≤ 90 days; default the
    last 90), the ``page``/``page_size`` extension and the geographic ones (``geo_filter``:
    on the public, rounded coordinates), checked."""
    start, end = _moment(args, "start_date"), _moment(args, "end_date")
    span = dt.timedelta(days=MAX_SPAN_DAYS)
    if start is None and end is None:
        start, end = now - span, now
    elif start is None:
        start = end - span  # type: ignore[operator]
    elif end is None:
        end = min(start + span, now) if start < now else start + span
    assert start is not None and end is not None
    if end < start:
        raise Open311Error(
            400, ["start_date, end_date: 结束早于开始 / end_date is before start_date"]
        )
    if end - start > span:
        raise Open311Error(
            400,
            [
                f"start_date, end_date: 时间范围不能超过 {MAX_SPAN_DAYS} 天 / "
                f"the range may not span more than {MAX_SPAN_DAYS} days"
            ],
        )
    statuses = _choices(args, "status", ("open", "closed"))
    return {
        "start": start,
        "end": end,
        "categories": _choices(args, "service_code", TIPOFF_CATEGORIES),
        "closed": None if len(set(statuses)) != 1 else statuses[0] == "closed",
        "page": _page(args, "page", 1, 10_000),
        "page_size": _page(args, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        "where": geo_filter(args),
    }
