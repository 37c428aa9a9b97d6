"""Open-data releases for people and machines, without a key, under ``/data/``: the list of
releases, their files (immutable: strong ETag = SHA-256, cached for a year), the DCAT-AP
catalog (JSON-LD), the changelog and the data dictionary (page, CSV, JSON).

They live in the portal rather than under /api/v1 because they are files and pages at stable
URLs anyone may link to, not API operations: no key, no quota, no OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, send_file

from core.web import external_url
from credit.releases.catalog import dcat_catalog, list_releases
from credit.releases.changes import changelog
from credit.releases.dictionary import data_dictionary, dictionary_csv, dictionary_json
from credit.releases.store import release_file

bp = Blueprint("releases", __name__, url_prefix="/data")
IMMUTABLE = "public, max-age=31536000, immutable"
#: catalog, changelog and dictionary change with each release: revalidated after this long
MAX_AGE = 3600


def _instance() -> str:
    return str(current_app.config["ENVCREDIT_INSTANCE"])


def _revalidated(body: str | bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response.make_conditional(request)


@bp.get("/releases/")
def index() -> str:
    """Every release, newest first: its files with sizes, rows and SHA-256, and what changed."""
    return render_template("disclosure/releases.html", releases=list_releases(_instance()))


@bp.get("/releases/CHANGELOG.md")
def changelog_file() -> Response:
    """The changelog of every release (Markdown)."""
    return _revalidated(changelog(list_releases(_instance())), "text/markdown")


@bp.get("/releases/<release_id>/<name>")
def file(release_id: str, name: str) -> Response:
    """One file of a release; it never changes, so a cache keeps it a year (304 on its ETag)."""
    served = release_file(_instance(), release_id, name)
    if request.if_none_match.contains(served.sha256):
        response = Response(status=304)
    else:
        # text/* gets "; charset=utf-8" from send_file
        response = send_file(served.path, mimetype=served.mediatype, etag=False, conditional=False)
    response.set_etag(served.sha256)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@bp.get("/catalog.jsonld")
def catalog() -> Response:
    """The DCAT-AP catalog of every release (JSON-LD), with absolute URLs."""
    document = dcat_catalog(
        _instance(),
        external_url("releases.catalog"),
        lambda release_id, name: external_url("releases.file", release_id=release_id, name=name),
        external_url("releases.index"),
    )
    return _revalidated(json.dumps(document, ensure_ascii=False, indent=1), "application/ld+json")


@bp.get("/dictionary")
def dictionary() -> str:
    """The data dictionary: every column's meaning, type, unit, allowed values and source."""
    return render_template("disclosure/dictionary.html", entries=data_dictionary())


@bp.get("/dictionary.<any(csv, json):fmt>")
def dictionary_file(fmt: str) -> Any:
    """The data dictionary as CSV or JSON."""
    entries = data_dictionary()
    if fmt == "csv":
        return _revalidated(dictionary_csv(entries), "text/csv")
    return _revalidated(
        json.dumps(dictionary_json(entries), ensure_ascii=False, indent=1), "application/json"
    )
