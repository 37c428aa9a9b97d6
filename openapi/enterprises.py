"""/api/v1/enterprises: enterprises and their credit file."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from core.db import get_db, get_session
from credit.records.listing import get_enterprise
from credit.records.snapshots import enterprise_snapshot
from openapi.schemas import EnterpriseSchema

blp = Blueprint(
    "enterprises",
    __name__,
    url_prefix="/api/v1/enterprises",
    description="企业 / Enterprises and their credit files",
)


def load_enterprise(uscc: str) -> dict[str, Any]:
    """The public snapshot of one enterprise, or a 404 that says why."""
    cleaned = (uscc or "").strip().upper()
    snapshot = enterprise_snapshot(get_db().engine, cleaned)
    if snapshot is None:
        get_enterprise(get_session(), cleaned)  # raises NotFound saying why
        raise AssertionError("unreachable")
    return snapshot


@blp.route("/<string:uscc>")
class EnterpriseResource(MethodView):
    @blp.response(200, EnterpriseSchema)
    @blp.alt_response(404, description="unknown or malformed USCC")
    def get(self, uscc: str) -> Response:
        """One enterprise with its current level."""
        # the snapshot already has exactly EnterpriseSchema's fields and JSON types (a test
        # holds them equal), so it is sent as it is rather than dumped field by field again
        # (one of the measured shortcuts listed in core.speedups)
        return jsonify(load_enterprise(uscc))
