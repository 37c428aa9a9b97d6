"""Bulk exports for partners: CSV and NDJSON streamed in constant memory, with the change-log
seq they were taken at, and a Frictionless data package describing them.

Which rows and columns, their values and their encoding live in credit.records.exports; this
module parses the request, applies the download limit and streams the HTTP response."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from core.clock import today as china_today
from core.db import get_session
from core.errors import NotFound
from core.limits import consume
from core.messages import msg
from credit.records.exports import RESOURCES, open_export, package_contents
from openapi.access import api_client
from openapi.export_schema import data_package

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/exports",
    description="批量导出 / Bulk exports of the public data (open; a key lifts the "
    "per-address download limit)",
)
MIMETYPES = {"csv": "text/csv", "ndjson": "application/x-ndjson"}


def export_etag(name: str, fmt: str, seq: int, today: dt.date) -> str:
    """An export's entity tag: what it holds moves only with the change log and the date
    (penalties leave publication by date)."""
    return f"{name}.{fmt}.{seq}.{today.isoformat()}"


def _not_modified(etag: str, seq: int) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["X-Change-Seq"] = str(seq)
    return response


@blp.route("/<any(enterprises, ratings, penalties):name>.<any(csv, ndjson):fmt>")
class Export(MethodView):
    @blp.response(200, content_type="text/csv")
    @blp.alt_response(404, description="no such export")
    def get(self, name: str, fmt: str) -> Response:
        """Stream one resource (enterprises, ratings, penalties) as CSV or NDJSON.

        Open to everyone; without a key at most EXPORT_ANON_RATE_LIMIT downloads per address
        (a 304 is free)."""
        if name not in RESOURCES:
            raise NotFound(
                msg(
                    "没有名为 %(name)s 的导出，可用：%(names)s",
                    name=name,
                    names=", ".join(RESOURCES),
                )
            )
        export = open_export(name, fmt, china_today())
        etag = export_etag(name, fmt, export.seq, export.today)
        try:
            if request.if_none_match.contains_weak(etag):
                export.close()
                return _not_modified(etag, export.seq)
            if api_client() is None:
                consume("export-download")
        except Exception:
            export.close()
            raise
        response = Response(stream_with_context(export.rows()), mimetype=MIMETYPES[fmt])
        response.call_on_close(export.close)  # also when the body is never read
        response.set_etag(etag)
        response.headers["X-Change-Seq"] = str(export.seq)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


@blp.route("/datapackage.json")
class DataPackage(MethodView):
    @blp.response(200)
    def get(self) -> dict[str, Any]:
        """A Frictionless data package describing the CSV exports (with Table Schemas)."""
        fields, seq = package_contents(get_session())
        return data_package(fields, seq)
