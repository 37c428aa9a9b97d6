"""Bulk exports for partners: CSV and NDJSON streamed in constant memory, with the change-log
seq they were taken at, and a Frictionless data package describing them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from core.changelog import last_seq
from core.clock import today as china_today
from core.db import get_db
from core.errors import NotFound
from credit.models import CreditRating, Enterprise, Penalty
from credit.public import snapshots
from openapi.access import require_scope
from openapi.record_lists_query import published

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports",
                description="批量导出 / Bulk exports (key with scope `exports`)")
CHUNK = 2000
#: resource → (entity for snapshots, id query, [(field, Table Schema type)])
RESOURCES: dict[str, tuple[str, Any, list[tuple[str, str]]]] = {
    "enterprises": ("enterprise", lambda today: select(Enterprise.uscc).order_by(Enterprise.uscc),
                    [("uscc", "string"), ("name", "string"), ("legal_representative", "string"),
                     ("region_code", "string"), ("region_name", "string"),
                     ("industry_code", "string"), ("industry_name", "string"),
                     ("address", "string"), ("latitude", "number"), ("longitude", "number"),
                     ("permit_category", "string"), ("status", "string"), ("level", "string"),
                     ("score", "integer"), ("rated_as_of", "date")]),
    "ratings": ("rating", lambda today: select(Enterprise.uscc).join(
        CreditRating, (CreditRating.enterprise_id == Enterprise.id) & CreditRating.is_current)
        .order_by(Enterprise.uscc),
        [("uscc", "string"), ("score", "integer"), ("level", "string"),
         ("computed_level", "string"), ("rulebook", "string"), ("as_of", "date")]),
    "penalties": ("penalty", lambda today: select(Penalty.id).where(*published(today))
                  .order_by(Penalty.id),
                  [("id", "integer"), ("decision_no", "string"), ("uscc", "string"),
                   ("enterprise_name", "string"), ("region_code", "string"),
                   ("violation_type", "string"), ("facts", "string"),
                   ("legal_basis", "string"), ("fine_amount", "number"),
                   ("confiscated_amount", "number"), ("decision_date", "date"),
                   ("authority", "string"), ("severity", "string"),
                   ("publish_until", "date")]),
}


def _rows(name: str, today: dt.date) -> Iterator[dict[str, Any]]:
    """Snapshots of one resource, a chunk at a time, from its own session."""
    entity, query, _fields = RESOURCES[name]
    session = get_db().new_session()
    try:
        ids = [str(i) for i in session.scalars(query(today))]
        for start in range(0, len(ids), CHUNK):
            part = ids[start:start + CHUNK]
            snaps = snapshots(session, entity, part, today)
            for key in part:
                if (snap := snaps.get(key)) is not None:
                    yield snap
            session.expunge_all()
    finally:
        session.close()


def _csv(name: str, today: dt.date) -> Iterator[str]:
    columns = [f for f, _ in RESOURCES[name][2]]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in _rows(name, today):
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _ndjson(name: str, today: dt.date) -> Iterator[str]:
    for row in _rows(name, today):
        yield json.dumps(row, ensure_ascii=False, default=str) + "\n"


@blp.route("/<string:name>.<any(csv, ndjson):fmt>")
class Export(MethodView):
    @blp.response(200, content_type="text/csv")
    @blp.alt_response(401, description="no or bad API key")
    @blp.alt_response(403, description="the key lacks the exports scope")
    @blp.alt_response(404, description="no such export")
    def get(self, name: str, fmt: str) -> Response:
        """Stream one resource (enterprises, ratings, penalties) as CSV or NDJSON."""
        require_scope("exports")
        if name not in RESOURCES:
            raise NotFound(f"没有名为 {name} 的导出 / no export named {name}; one of "
                           f"{', '.join(RESOURCES)}")
        seq = last_seq(get_db().session)
        today = china_today()
        body = _csv(name, today) if fmt == "csv" else _ndjson(name, today)
        mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
        response = Response(stream_with_context(body), mimetype=mimetype)
        response.headers["X-Change-Seq"] = str(seq)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


@blp.route("/datapackage.json")
class DataPackage(MethodView):
    @blp.response(200)
    @blp.alt_response(401, description="no or bad API key")
    def get(self) -> dict[str, Any]:
        """A Frictionless data package describing the CSV exports (with Table Schemas)."""
        require_scope("exports")
        seq = last_seq(get_db().session)
        base = request.url_root.rstrip("/") + "/api/v1/exports"
        return {
            "profile": "tabular-data-package", "name": "envcredit",
            "title": "企业环境信用公开数据 / Enterprise environmental credit open data",
            "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                          "title": "Creative Commons Attribution 4.0"}],
            "envcredit:change_seq": seq,
            "resources": [{
                "name": name, "path": f"{base}/{name}.csv", "profile": "tabular-data-resource",
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                "schema": {"fields": [{"name": f, "type": t} for f, t in fields]},
            } for name, (_entity, _query, fields) in RESOURCES.items()],
        }
