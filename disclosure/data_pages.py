"""The data page ``/data``: every public dataset with its last update and newest record, every
import source's last import, the API and exports, and the open-data releases;
``/data.json`` is the same for machines."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template

from core.clock import cn_time, iso
from core.clock import today as china_today
from core.db import get_session
from credit.freshness.datasets import freshness
from credit.releases.store import list_releases

bp = Blueprint("data_pages", __name__)

#: the API list (and export) of each dataset, where there is one
API_PATHS = {
    "enterprises": ("/api/v1/enterprises", "/api/v1/exports/enterprises.csv"),
    "ratings": (None, "/api/v1/exports/ratings.csv"),
    "penalties": ("/api/v1/penalties", "/api/v1/exports/penalties.csv"),
    "monitoring": ("/api/v1/stations", None),
    "tipoffs": ("/api/v1/stats/tipoffs", None),
    "grids": ("/api/v1/hotspots", None),
}


@bp.get("/data")
def data() -> Any:
    """Datasets and their freshness, import sources, API and exports, releases."""
    return render_template(
        "disclosure/data.html",
        fresh=freshness(get_session(), china_today()),
        releases=list_releases(current_app.config["ENVCREDIT_INSTANCE"])[:12],
        api=API_PATHS,
        cn=cn_time,
    )


@bp.get("/data.json")
def data_json() -> Any:
    """The data page's table as JSON."""
    fresh = freshness(get_session(), china_today())
    return jsonify(
        {
            "updated_at": iso(fresh.updated_at),
            "datasets": [
                {
                    "key": d.key,
                    "updated_at": iso(d.updated_at),
                    "newest_record": d.newest_text,
                }
                for d in fresh.datasets
            ],
            "imports": [
                {
                    "kind": i.kind,
                    "channel": i.channel,
                    "at": iso(i.at),
                    "rows": i.rows,
                    "created": i.created,
                    "updated": i.updated,
                }
                for i in fresh.imports
            ],
        }
    )
