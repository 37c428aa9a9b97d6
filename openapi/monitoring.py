"""/api/v1 monitoring: stations, outlets (排放口), an enterprise's outlets and hourly series.

Series are keyset paged by (time, pollutant): ``after`` is the previous page's
``next_after``; ``Link: rel="next"`` as in every list. Each hourly mean carries its HJ 212
flag, whether it is valid (N, T) and, at outlets, its limit and whether it exceeds it.
``Accept: text/csv`` or ``application/x-ndjson`` (or ``format=csv|ndjson``) gives the page
as CSV or NDJSON, paged the same way. Never a device's password or its hash.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.clock import today as china_today
from core.db import get_session
from credit.monitoring.browsing import (
    MAX_PAGE_SIZE as MAX_STATIONS,
)
from credit.monitoring.browsing import (
    StationFilter,
    get_outlet,
    get_station,
    list_stations,
    outlets_of_uscc,
)
from credit.monitoring.models import FLAGS, OUTLET_KINDS, STATION_KINDS
from credit.monitoring.series import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ReadingPage,
    ReadingQuery,
    device_readings,
)
from openapi.headers import next_link, query_params

blp = Blueprint(
    "monitoring",
    __name__,
    url_prefix="/api/v1",
    description="在线监控 / Monitoring: stations, outlets and their hourly means",
)
CSV, NDJSON = "text/csv", "application/x-ndjson"
FORMATS = {"json": "application/json", "csv": CSV, "ndjson": NDJSON}
READING_COLUMNS = (
    "mn",
    "time",
    "pollutant",
    "value",
    "min",
    "max",
    "flag",
    "valid",
    "limit",
    "exceeds",
    "total",
)


class StationListArgs(ma.Schema):
    region = fields.String(
        load_default="",
        validate=validate.Regexp(r"^([0-9]{2,6})?$"),
        metadata={"description": "region code or its prefix (62, 6201, 620102)"},
    )
    grid = fields.String(
        load_default="",
        validate=validate.Length(max=32),
        metadata={"description": "grid code: stations in it and in the grids below it"},
    )
    kind = fields.String(load_default="", validate=validate.OneOf(["", *STATION_KINDS]))
    after = fields.String(
        load_default="",
        validate=validate.Regexp(r"^([0-9A-Za-z]{1,24})?$"),
        metadata={"description": "the last MN of the previous page"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_STATIONS))


class ReadingArgs(ma.Schema):
    start = fields.String(
        data_key="from",
        load_default="",
        validate=validate.Length(max=40),
        metadata={
            "description": "China date `YYYY-MM-DD` (from its start) or ISO 8601 date-time "
            "(no offset: China time); default seven days before `to`",
            "example": "2026-10-01",
        },
    )
    end = fields.String(
        data_key="to",
        load_default="",
        validate=validate.Length(max=40),
        metadata={
            "description": "China date (included) or date-time (excluded); default the end "
            "of today; at most 366 days after `from`",
            "example": "2026-10-07",
        },
    )
    pollutant = fields.String(
        load_default="",
        validate=validate.Length(max=16),
        metadata={"description": "one HJ 212 pollutant code", "example": "a21026"},
    )
    after = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={"description": "the previous page's `next_after`"},
    )
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(1, MAX_PAGE_SIZE))
    format = fields.String(
        load_default="",
        validate=validate.OneOf(["", *FORMATS]),
        metadata={"description": "`csv` or `ndjson` instead of the Accept header"},
    )


class StationSchema(ma.Schema):
    mn = fields.String(required=True, metadata={"example": "ST62010200001"})
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(STATION_KINDS))
    latitude = fields.Float(required=True, metadata={"description": "WGS-84"})
    longitude = fields.Float(required=True, metadata={"description": "WGS-84"})
    region_code = fields.String(required=True)
    grid_code = fields.String(required=True, allow_none=True)


class StationDetailSchema(StationSchema):
    grid_name = fields.String(required=True, allow_none=True)


class StationPageSchema(ma.Schema):
    items = fields.List(fields.Nested(StationSchema), required=True)
    next_after = fields.String(required=True, allow_none=True)


class OutletSchema(ma.Schema):
    mn = fields.String(required=True)
    enterprise_uscc = fields.String(required=True)
    outlet_code = fields.String(required=True, metadata={"example": "DA001"})
    kind = fields.String(required=True, validate=validate.OneOf(OUTLET_KINDS))
    commissioned_on = fields.String(required=True, metadata={"format": "date"})
    grid_code = fields.String(required=True, allow_none=True)
    limits = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        required=True,
        metadata={"description": "HJ 212 pollutant code → limit (mg/m³; water mg/L)"},
    )


class OutletDetailSchema(OutletSchema):
    enterprise_name = fields.String(required=True)


class OutletListSchema(ma.Schema):
    items = fields.List(fields.Nested(OutletSchema), required=True)


class ReadingSchema(ma.Schema):
    """One hourly mean (HJ 212 CN 2061)."""

    mn = fields.String(required=True)
    time = fields.String(
        required=True,
        metadata={"description": "the hour's start, China time", "format": "date-time"},
    )
    pollutant = fields.String(required=True)
    value = fields.Float(required=True, allow_none=True)
    min = fields.Float(required=True, allow_none=True)
    max = fields.Float(required=True, allow_none=True)
    flag = fields.String(required=True, validate=validate.OneOf(FLAGS))
    valid = fields.Boolean(
        required=True, metadata={"description": "a mean (value not null) flagged N or T"}
    )
    limit = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "the outlet's limit; null at stations and for unlimited pollutants"
        },
    )
    exceeds = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "valid and above the limit; null without a limit"},
    )
    total = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "the hour's total (HJ 212 -Cou, e.g. a flow's volume)"},
    )


class ReadingPageSchema(ma.Schema):
    items = fields.List(fields.Nested(ReadingSchema), required=True)
    next_after = fields.String(required=True, allow_none=True)


#: the 200 answer's three representations, for the OpenAPI document
READINGS_DOC = {
    "200": {
        "description": "OK: the page as JSON, CSV (`text/csv`, a header row, empty cell = "
        "null) or NDJSON (one reading per line)",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReadingPage"}},
            CSV: {
                "schema": {"type": "string", "description": ",".join(READING_COLUMNS)},
                "example": "mn,time,pollutant,value,min,max,flag,valid,limit,exceeds,total\n"
                "MN62010200000012A,2026-10-01T08:00:00+08:00,a21026,21.4,,,N,true,50.0,"
                "false,\n",
            },
            NDJSON: {"schema": {"$ref": "#/components/schemas/Reading"}},
        },
    }
}


def _format(chosen: str) -> str:
    if chosen:
        return FORMATS[chosen]
    return request.accept_mimetypes.best_match(list(FORMATS.values())) or FORMATS["json"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(items: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(READING_COLUMNS)
    for item in items:
        writer.writerow([_cell(item[c]) for c in READING_COLUMNS])
    return out.getvalue()


def _readings(kind: str, mn: str, args: dict[str, Any]) -> Any:
    page: ReadingPage = device_readings(
        get_session(),
        kind,
        mn,
        ReadingQuery(args["start"], args["end"], args["pollutant"], args["after"], args["limit"]),
        china_today(),
    )
    headers = {**next_link(page.next_after, query_params(ReadingArgs)), "Vary": "Accept"}
    mimetype = _format(args["format"])
    if mimetype == CSV:
        return Response(_csv(page.items), mimetype=CSV, headers=headers)
    if mimetype == NDJSON:
        body = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in page.items)
        return Response(body, mimetype=NDJSON, headers=headers)
    return ({"items": page.items, "next_after": page.next_after}, 200, headers)


@blp.route("/stations")
class Stations(MethodView):
    @blp.arguments(StationListArgs, location="query", error_status_code=400)
    @blp.response(200, StationPageSchema)
    @blp.alt_response(404, description="unknown grid")
    def get(self, args: dict[str, Any]) -> Any:
        """Air-quality stations (national, provincial, micro) in MN order, by region,
        grid (with the grids below it) and kind."""
        page = list_stations(
            get_session(),
            StationFilter(args["region"], args["grid"], args["kind"], args["after"]),
            args["limit"],
        )
        link = next_link(page.next_after, query_params(StationListArgs))
        return ({"items": page.items, "next_after": page.next_after}, 200, link)


@blp.route("/stations/<string:mn>")
class StationResource(MethodView):
    @blp.response(200, StationDetailSchema)
    @blp.alt_response(404, description="unknown MN")
    def get(self, mn: str) -> Any:
        """One station."""
        return get_station(get_session(), mn)


@blp.route("/stations/<string:mn>/readings")
class StationReadings(MethodView):
    @blp.arguments(ReadingArgs, location="query", error_status_code=400)
    @blp.response(200, ReadingPageSchema)
    @blp.doc(responses=READINGS_DOC)
    @blp.alt_response(404, description="unknown station MN")
    def get(self, args: dict[str, Any], mn: str) -> Any:
        """A station's hourly means (PM2.5, PM10 …) in a period, by time then pollutant."""
        return _readings("station", mn, args)


@blp.route("/outlets/<string:mn>")
class OutletResource(MethodView):
    @blp.response(200, OutletDetailSchema)
    @blp.alt_response(404, description="unknown MN")
    def get(self, mn: str) -> Any:
        """One outlet with its enterprise and limits."""
        return get_outlet(get_session(), mn)


@blp.route("/outlets/<string:mn>/readings")
class OutletReadings(MethodView):
    @blp.arguments(ReadingArgs, location="query", error_status_code=400)
    @blp.response(200, ReadingPageSchema)
    @blp.doc(responses=READINGS_DOC)
    @blp.alt_response(404, description="unknown outlet MN")
    def get(self, args: dict[str, Any], mn: str) -> Any:
        """An outlet's hourly means in a period, each against its limit."""
        return _readings("outlet", mn, args)


@blp.route("/enterprises/<string:uscc>/outlets")
class EnterpriseOutlets(MethodView):
    @blp.response(200, OutletListSchema)
    @blp.alt_response(404, description="unknown or malformed USCC")
    def get(self, uscc: str) -> Any:
        """The enterprise's monitored outlets, in outlet-code order."""
        return {"items": outlets_of_uscc(get_session(), uscc)}
