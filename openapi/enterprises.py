"""/api/v1/enterprises: enterprises and their credit file."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from core.db import get_session
from credit.listing import get_enterprise
from credit.public import enterprise_snapshots
from openapi.schemas import EnterpriseSchema

blp = Blueprint("enterprises", __name__, url_prefix="/api/v1/enterprises",
                description="企业 / Enterprises and their credit files")


def load_enterprise(uscc: str) -> dict[str, Any]:
    """The public snapshot of one enterprise, or a 404 that says why."""
    cleaned = (uscc or "").strip().upper()
    snapshot = enterprise_snapshots(get_session(), [cleaned]).get(cleaned)
    if snapshot is None:
        get_enterprise(get_session(), cleaned)  # raises NotFound saying why
        raise AssertionError("unreachable")
    return snapshot


@blp.route("/<string:uscc>")
class EnterpriseResource(MethodView):
    @blp.response(200, EnterpriseSchema)
    @blp.alt_response(404, description="unknown or malformed USCC")
    def get(self, uscc: str) -> dict[str, Any]:
        """One enterprise with its current level."""
        return load_enterprise(uscc)
