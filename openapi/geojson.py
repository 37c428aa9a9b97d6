"""GeoJSON (RFC 7946) answers: a list of public snapshots as a FeatureCollection.

Asked for with ``Accept: application/geo+json``. Coordinates are WGS-84 ``[long, lat]``
(RFC 7946 §4); an item without coordinates is a Feature with a null geometry (§3.2). The
properties are the snapshot without ``latitude``/``longitude`` (the geometry holds them);
``next_after`` is a foreign member (§6.1), and the Link header pages as in JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Response, request

GEOJSON = "application/geo+json"

#: the 200 answer's second representation, for the OpenAPI document
GEOJSON_CONTENT: dict[str, Any] = {
    GEOJSON: {
        "schema": {
            "type": "object",
            "description": "RFC 7946 FeatureCollection: one Point Feature per item "
            "(`[long, lat]`, WGS-84; null geometry without coordinates), the item's "
            "other fields as properties, `id` = USCC",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"type": "object"}},
                "next_after": {"type": "string", "nullable": True},
            },
        }
    }
}


def with_geojson(json_schema: str) -> dict[str, Any]:
    """The 200 response's content for ``blp.doc``: the JSON page (the component schema
    ``json_schema``) and the GeoJSON FeatureCollection (a doc's 200 replaces the one
    ``blp.response`` documents, so the description and both contents are named here)."""
    return {
        "200": {
            "description": "OK: the page, or with `Accept: application/geo+json` a GeoJSON "
            "FeatureCollection",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{json_schema}"}},
                **GEOJSON_CONTENT,
            },
        }
    }


def wants_geojson() -> bool:
    """True when the client prefers GeoJSON to JSON (``Accept: application/geo+json``)."""
    return request.accept_mimetypes.best_match(["application/json", GEOJSON]) == GEOJSON


def feature(item: dict[str, Any], id_key: str = "uscc") -> dict[str, Any]:
    """One snapshot as a Point Feature."""
    lat, lon = item.get("latitude"), item.get("longitude")
    geometry = (
        {"type": "Point", "coordinates": [float(lon), float(lat)]}
        if lat is not None and lon is not None
        else None
    )
    properties = {k: v for k, v in item.items() if k not in {"latitude", "longitude"}}
    return {"type": "Feature", "id": item[id_key], "geometry": geometry, "properties": properties}


def feature_collection(items: Iterable[dict[str, Any]], next_after: Any) -> dict[str, Any]:
    """The FeatureCollection of ``items`` (with ``next_after`` for the next page)."""
    return {
        "type": "FeatureCollection",
        "features": [feature(item) for item in items],
        "next_after": next_after,
    }


def geojson_response(
    items: Iterable[dict[str, Any]], next_after: Any, headers: dict[str, str]
) -> Response:
    """The FeatureCollection as an ``application/geo+json`` response."""
    body = json.dumps(feature_collection(items, next_after), ensure_ascii=False, default=str)
    response = Response(body, mimetype=GEOJSON, headers=headers)
    response.vary.add("Accept")
    return response
