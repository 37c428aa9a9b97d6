"""Open311 responses in JSON and XML, and errors in the Open311 error format on every path.

XML is built with ElementTree, which escapes ``<``, ``&`` and ``]]>`` in text, and every
text goes through :func:`core.xmltext.xml_text` first, which drops what XML 1.0 cannot carry
(C0 controls, lone surrogates): no stored or echoed string can make a document ill-formed.
Errors are ``[{"code": status, "description": "…"}]`` (JSON) or
``<errors><error><code/><description/></error></errors>`` (XML), as GeoReport v2 says,
including the 404, 405, 413, 429 and 500 answers the framework gives on ``/open311/`` paths.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request

from core.xmltext import xml_text

XML_MIMETYPE = "text/xml"
#: the element name of one entry of each list-valued field
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "possible_duplicates": "request",
}
#: descriptions for the framework's errors, which carry English-only texts
STATUS_TEXT = {
    400: "请求有误 / bad request",
    404: "未找到该 Open311 资源（格式为 .json 或 .xml）/ no such Open311 resource (formats: "
    ".json, .xml)",
    405: "该地址不支持此请求方法 / this method is not allowed here",
    413: "请求体过大 / the request body is too large",
    500: "服务器内部错误，已记录 / an internal error occurred and was logged",
}


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return _scalar(value)


def _xml_text(value: Any) -> str | None:
    value = _scalar(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_text(value)


def _fill(parent: ET.Element, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        child = ET.SubElement(parent, name)
        if isinstance(value, list | tuple):
            for item in value:
                _fill(ET.SubElement(child, LIST_ITEMS[name]), item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _xml_text(value)


def xml_document(root: str, item: str | None, data: Any) -> bytes:
    """``data`` (a list of dicts, one ``item`` element each, or one dict) as XML bytes."""
    top = ET.Element(root)
    if item is None:
        _fill(top, data)
    else:
        for entry in data:
            _fill(ET.SubElement(top, item), entry)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def reply(
    data: Any, fmt: str, root: str, item: str | None = "request", status: int = 200
) -> Response:
    """An Open311 answer: a JSON array (or object) or the XML document for it."""
    if fmt == "xml":
        return Response(xml_document(root, item, data), status=status, mimetype=XML_MIMETYPE)
    body = json.dumps(_json_value(data), ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json")


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """The Open311 error list (one entry per problem) with HTTP status ``status``."""
    return reply(
        [{"code": status, "description": text} for text in descriptions],
        fmt,
        "errors",
        "error",
        status,
    )


def format_of(path: str) -> str:
    """``xml`` for ``….xml`` paths (or clients preferring XML), else ``json``."""
    if path.endswith(".xml"):
        return "xml"
    if path.endswith(".json"):
        return "json"
    best = request.accept_mimetypes.best_match(["application/json", "text/xml", "application/xml"])
    return "xml" if best in {"text/xml", "application/xml"} else "json"


def _problem_descriptions(status: int, problem: dict[str, Any]) -> list[str]:
    details = problem.get("errors")
    if isinstance(details, dict) and details:
        return [
            f"{field}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
            for field, v in details.items()
        ]
    detail = str(problem.get("detail") or "")
    if " / " in detail:  # the platform's own bilingual message
        return [detail]
    return [STATUS_TEXT.get(status, f"{problem.get('title') or status} / {status}")]


def init_errors(bp: Blueprint, prefix: str) -> None:
    """Rewrite every problem+json answer under ``prefix`` (routing 404/405, 413, 429, 500,
    the app's request guards) into the Open311 error format."""

    @bp.after_app_request
    def _open311_errors(response: Response) -> Response:
        if not request.path.startswith(prefix) or response.mimetype != "application/problem+json":
            return response
        problem = response.get_json(silent=True) or {}
        fmt = format_of(request.path)
        rebuilt = errors(
            fmt, response.status_code, _problem_descriptions(response.status_code, problem)
        )
        response.set_data(rebuilt.get_data())
        response.mimetype = rebuilt.mimetype
        return response
