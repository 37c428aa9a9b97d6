"""Public monitoring pages: the station list, a station's PM2.5/PM10 chart, an outlet's day
of hourly means against its limits (where rating explanations link to)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from core.clock import today as china_today
from core.db import get_session
from credit.monitoring.browsing import StationFilter, list_stations
from credit.monitoring.days import outlet_day, station_series
from credit.monitoring.models import FLAG_NAMES, OUTLET_KIND_NAMES, STATION_KIND_NAMES, VALID_FLAGS
from credit.monitoring.pollutants import pollutant_formula, pollutant_name, pollutant_unit
from disclosure.monitoring_charts import line_svg

bp = Blueprint("monitoring_pages", __name__, url_prefix="/monitoring")


def monitoring_names() -> dict[str, Any]:
    """The names monitoring templates look values up in."""
    return {
        "station_kinds": STATION_KIND_NAMES,
        "outlet_kinds": OUTLET_KIND_NAMES,
        "flag_names": FLAG_NAMES,
        "valid_flags": VALID_FLAGS,
        "pollutant_name": pollutant_name,
        "pollutant_formula": pollutant_formula,
        "pollutant_unit": pollutant_unit,
        "formulas": lambda codes: ", ".join(pollutant_formula(c) for c in sorted(codes)),
    }


@bp.get("/stations")
def stations() -> Any:
    """Stations by region, grid and kind, paged by MN."""
    args = request.args
    page = list_stations(
        get_session(),
        StationFilter(
            region=args.get("region", ""),
            grid=args.get("grid", ""),
            kind=args.get("kind", ""),
            after=args.get("after", ""),
        ),
    )
    return render_template("disclosure/monitoring/stations.html", p=page, **monitoring_names())


@bp.get("/stations/<mn>")
def station(mn: str) -> Any:
    """A station's PM2.5/PM10: hourly means of a day (``date``) or daily means (``month``)."""
    s = station_series(
        get_session(), mn, request.args.get("date"), request.args.get("month"), china_today()
    )
    period = s.day.isoformat() if s.mode == "day" else s.day.strftime("%Y-%m")
    lines = [(pollutant_formula(p), s.values[p]) for p in s.pollutants]
    valid = sum(1 for _p, values in lines for v in values if v is not None)
    desc = _(
        "%(period)s 细颗粒物（PM2.5）与可吸入颗粒物（PM10）浓度，共 %(n)s 个有效值，数值见下表。",
        period=period,
        n=valid,
    )
    chart = line_svg(s.labels, lines, "μg/m³", _("颗粒物浓度"), desc)
    return render_template(
        "disclosure/monitoring/station.html", s=s, chart=chart, desc=desc, **monitoring_names()
    )


@bp.get("/outlets/<mn>")
def outlet(mn: str) -> Any:
    """An outlet's hourly means on ``date`` per pollutant against its limits, with the
    month's days (exceedance and invalid hours) to move between days."""
    d = outlet_day(get_session(), mn, request.args.get("date"), china_today())
    return render_template("disclosure/monitoring/outlet.html", d=d, **monitoring_names())
