"""The obliged-to-disclose list with each enterprise's status: ``/disclosures`` and its CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, render_template, request

from core.clock import today as china_today
from core.db import get_session
from core.limits import consume
from core.messages import msg
from credit.obligations.status import STATUSES, ObligationList, obligation_list
from credit.ratings.loader import active_rulebook
from credit.records.nearby import bad_parameter
from disclosure.labels import OBLIGATION_STATUS_NAMES

bp = Blueprint("obligation_pages", __name__)


def _int_arg(name: str, default: int | None) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 6:
        raise bad_parameter(name, msg("须为正整数"))
    return int(text)


def _list(per_page: int | None) -> ObligationList:
    return obligation_list(
        get_session(),
        active_rulebook(),
        china_today(),
        year=_int_arg("year", None),
        region=request.args.get("region", "").strip()[:12],
        page=_int_arg("page", 1) or 0,
        per_page=per_page,
    )


@bp.get("/disclosures")
def disclosures() -> Any:
    """The enterprises obliged to disclose for a year (``?year=``, ``&region=``), with the
    count per status and page numbers."""
    return render_template(
        "disclosure/disclosures.html",
        ob=_list(50),
        statuses=STATUSES,
        status_names=OBLIGATION_STATUS_NAMES,
    )


@bp.get("/disclosures.csv")
def disclosures_csv() -> Response:
    """The whole list of ``?year=`` (and ``&region=``) as CSV, status codes in English."""
    ob = _list(None)
    consume("export-download")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["uscc", "name", "region_code", "year", "due", "status", "submitted_at"])
    for row in ob.rows:
        writer.writerow(
            [
                row.uscc,
                row.name,
                row.region_code or "",
                row.year,
                row.due.isoformat(),
                row.status,
                row.submitted_at.isoformat() if row.submitted_at else "",
            ]
        )
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    suffix = f"-{ob.region}" if ob.region else ""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="disclosures-{ob.year}{suffix}.csv"'
    )
    response.mimetype_params["charset"] = "utf-8"
    return response
