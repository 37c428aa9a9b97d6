"""Finishing the OpenAPI document once every blueprint is registered: operation ids,
security, the errors and headers each operation can answer with, typed unions, examples."""

from __future__ import annotations

import functools
from typing import Any

from apispec import APISpec
from flask import Flask
from flask_smorest.spec.plugins import FlaskPlugin

from core.problems import PROBLEM_TYPES, problem_type
from openapi.spec_parts import (
    REQUEST_EXAMPLES,
    RESPONSE_CONTENT,
    WEBHOOK_CALLBACK,
    example_for,
    register_components,
)

#: endpoint.method → operationId where the generated one reads badly
OPERATION_IDS = {
    "enterprises.EnterpriseResource.get": "getEnterprise",
    "record_lists.Enterprises.get": "listEnterprises",
    "record_lists.Penalties.get": "listPenalties",
    "record_lists.PenaltyResource.get": "getPenalty",
    "record_lists.Inspections.get": "listInspections",
    "record_lists.Permits.get": "listPermits",
    "ratings.RatingResource.get": "getRating",
    "ratings.RatingHistoryResource.get": "listRatings",
    "search.Search.get": "search",
    "changes.Changes.get": "listChanges",
    "exports.Export.get": "downloadExport",
    "exports.DataPackage.get": "getDataPackage",
    "records_write.Records.post": "pushRecords",
    "api_tipoffs.TipOffCollection.post": "fileTipoff",
    "api_tipoffs.TipOffStatus.get": "getTipoffStatus",
    "api_tipoffs.TipOffStats.get": "getTipoffStats",
    "api_subscriptions.SubscriptionCollection.post": "subscribe",
    "sync_receipts.ChangesAck.post": "acknowledgeChanges",
    "webhooks.Webhooks.get": "listWebhooks",
    "webhooks.Webhooks.post": "createWebhook",
    "webhooks.WebhookResource.delete": "deleteWebhook",
    "webhooks.Deliveries.get": "listDeliveries",
    "monitoring.Stations.get": "listStations",
    "monitoring.StationReadings.get": "listStationReadings",
    "monitoring.OutletReadings.get": "listOutletReadings",
    "monitoring.EnterpriseOutlets.get": "listEnterpriseOutlets",
}
#: blueprints whose every operation needs a key with this scope (``read``: any partner key,
#: every key holds it)
SCOPED = {"webhooks": "webhooks", "records_write": "records:write", "sync_receipts": "read"}
#: operations answering with a keyset page and a Link: rel="next"
PAGED = {
    "listEnterprises",
    "listPenalties",
    "listInspections",
    "listPermits",
    "listChanges",
    "listStations",
    "listStationReadings",
    "listOutletReadings",
}
#: operations whose answer carries the change-log seq it was taken at
SEQ = {"listChanges", "downloadExport"}
BEARER = "bearer"


def operation_id(endpoint: str, method: str) -> str:
    """The stable operationId: the table's, else method + view name in camelCase."""
    known = OPERATION_IDS.get(f"{endpoint}.{method}")
    if known:
        return known
    view = endpoint.rsplit(".", 1)[-1].removesuffix("Resource")
    return method + view[:1].upper() + view[1:]


def untyped_nullable_enums(original: Any, field: Any, **kwargs: Any) -> dict[str, Any]:
    """apispec's field2property, with a nullable enum documented as ``enum`` (with its
    ``null``) + ``nullable`` and no ``type``: valid for null under OpenAPI 3.0.3, and one
    enum class in generated clients (with ``type`` they made three identical ones)."""
    prop = original(field, **kwargs)
    if prop.get("nullable") and None in prop.get("enum", ()):
        prop.pop("type", None)
    return prop


def tidy_converter(api: Any) -> None:
    """Install :func:`untyped_nullable_enums` in the marshmallow plugin's field converter."""
    converter = api.ma_plugin.converter
    converter.field2property = functools.partial(untyped_nullable_enums, converter.field2property)


def finish_spec(app: Flask, api: Any) -> None:
    """Complete every /api operation of ``api``'s document (once, at start-up)."""
    spec: APISpec = api.spec
    for unused in ("PaginationMetadata", "PenaltyItem"):  # smorest's; getPenalty's union
        spec.components.schemas.pop(unused, None)
    register_components(spec)
    endpoints = {
        (FlaskPlugin.flaskpath2openapi(rule.rule), method.lower()): rule.endpoint
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    paths: dict[str, dict[str, Any]] = spec._paths  # apispec keeps them here, final by now
    for path, item in paths.items():
        path_params = "{" in path
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            endpoint = endpoints[(path, method)]
            _finish_operation(operation, endpoint, method, path_params)
    for operation in _operations(paths):
        _add_examples(spec, operation)


def _operations(paths: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        op
        for item in paths.values()
        for method, op in item.items()
        if method != "parameters" and isinstance(op, dict)
    ]


def _finish_operation(
    operation: dict[str, Any], endpoint: str, method: str, path_params: bool
) -> None:
    op_id = operation["operationId"] = operation_id(endpoint, method)
    blueprint = endpoint.split(".", 1)[0]
    scope = SCOPED.get(blueprint)
    operation["security"] = [{BEARER: []}] if scope else [{}, {BEARER: []}]
    if scope:
        operation["description"] = (
            operation.get("description", "") + f"\n\nNeeds a key with the scope `{scope}`."
        ).strip()
    responses = operation.setdefault("responses", {})
    responses.pop("default", None)  # every error it can answer is listed instead
    errors = {400, 401, 414, 429}
    errors |= {403} if scope and scope != "read" else set()
    errors |= {404} if path_params else set()
    errors |= {422} if operation.get("parameters") or "requestBody" in operation else set()
    errors |= {413} if "requestBody" in operation else set()
    for status in sorted(errors):
        responses[str(status)] = _problem_response(status, responses.get(str(status), {}))
    for code in [c for c in responses if c.startswith(("4", "5")) and c not in map(str, errors)]:
        responses[code] = _problem_response(int(code), responses[code])
    if op_id in RESPONSE_CONTENT:
        responses[_success(responses)]["content"] = RESPONSE_CONTENT[op_id]
    if method == "get":
        responses["304"] = {
            "description": "未修改 / Not modified: the If-None-Match ETag is "
            "current (costs no quota)",
            "headers": _headers("ETag", "Cache-Control", *_quota()),
        }
    _success_headers(responses[_success(responses)], op_id, method)
    if op_id == "createWebhook":
        operation["callbacks"] = WEBHOOK_CALLBACK
    if op_id in REQUEST_EXAMPLES:
        for media in operation["requestBody"]["content"].values():
            media["example"] = REQUEST_EXAMPLES[op_id]


def _success(responses: dict[str, Any]) -> str:
    return next(code for code in sorted(responses) if code.startswith("2"))


def _quota() -> tuple[str, ...]:
    return ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _headers(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _success_headers(response: dict[str, Any], op_id: str, method: str) -> None:
    names = list(_quota())
    if method == "get":
        names += ["ETag", "Cache-Control"]
    if op_id in PAGED:
        names.append("Link")
    if op_id in SEQ:
        names.append("X-Change-Seq")
    response.setdefault("headers", {}).update(_headers(*names))


def _problem_response(status: int, documented: dict[str, Any]) -> dict[str, Any]:
    """A problem+json response for ``status`` (keeping a description written for it)."""
    type_uri, title = problem_type(status)
    kinds = [k for k, (s, _t) in PROBLEM_TYPES.items() if s == status]
    description = documented.get("description") or title
    if "$ref" in documented or description == title:
        description = title
    if len(kinds) > 1:
        description += " — types: " + ", ".join(f"`{k}`" for k in kinds)
    content = documented.get("content", {}).get("application/problem+json", {})
    schema = content.get("schema", {"$ref": "#/components/schemas/Problem"})
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": schema,
                "example": {
                    "type": type_uri,
                    "title": title,
                    "status": status,
                    "detail": "具体说明 / what went wrong in this request",
                },
            }
        },
    }
    if status == 401:
        response["headers"] = _headers("WWW-Authenticate")
    if status == 429:
        response["headers"] = _headers("Retry-After", *_quota())
    return response


def _add_examples(spec: APISpec, operation: dict[str, Any]) -> None:
    """An example on every response body that has none (built from the schema)."""
    schemas = spec.components.schemas
    for response in operation.get("responses", {}).values():
        for media in response.get("content", {}).values():
            if "example" not in media and "schema" in media:
                media["example"] = example_for(media["schema"], schemas)
