"""附近的企业 / 我身边的污染源: enterprises within a radius of a point, nearest first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from core.db import get_session
from core.web import attempt
from credit.records.nearby import DEFAULT_RADIUS_KM
from credit.records.nearby_search import RADIUS_CHOICES, enterprises_near

bp = Blueprint("nearby", __name__)


@bp.get("/nearby")
def nearby() -> Any:
    """The form (an address, or latitude and longitude; radius) and, once a place is given,
    the list."""
    values = {
        "lat": request.args.get("lat", "", type=str).strip()[:30],
        "long": request.args.get("long", "", type=str).strip()[:30],
        "address": request.args.get("address", "", type=str).strip()[:100],
        "radius_km": request.args.get("radius_km", "", type=str).strip()[:10]
        or f"{DEFAULT_RADIUS_KM:g}",
    }
    found = error = None
    if values["lat"] or values["long"] or values["address"]:
        found, error = attempt(
            enterprises_near,
            get_session(),
            **values,
            after=request.args.get("after", "", type=str).strip()[:18].upper(),
        )
    return render_template(
        "disclosure/nearby.html",
        values=values,
        radii=RADIUS_CHOICES,
        found=found,
        error=error,
    )
