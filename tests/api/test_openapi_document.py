"""The OpenAPI document is complete enough for generated clients (partner F5)."""

from __future__ import annotations

import pytest


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _operations(spec):
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    ]


def test_every_operation_has_a_unique_stable_operation_id(spec):
    ids = [op["operationId"] for _p, _m, op in _operations(spec)]
    assert len(ids) == len(set(ids)) == len(_operations(spec))
    assert {
        "listEnterprises",
        "getEnterprise",
        "getRating",
        "listChanges",
        "downloadExport",
        "getDataPackage",
        "pushRecords",
        "fileTipoff",
    } <= set(ids)


def test_bearer_security_is_declared_and_required_only_where_needed(spec, client):
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    security = {op["operationId"]: op["security"] for _p, _m, op in _operations(spec)}
    for op_id in ("pushRecords", "listWebhooks", "createWebhook", "deleteWebhook"):
        assert security[op_id] == [{"bearer": []}], op_id
    for op_id in ("listEnterprises", "downloadExport", "fileTipoff", "listChanges"):
        assert security[op_id] == [{}, {"bearer": []}], op_id
    assert client.get("/api/v1/docs").status_code == 200  # its Authorize button reads these


def test_errors_are_documented_as_problems_on_every_operation(spec):
    for path, method, op in _operations(spec):
        responses = op["responses"]
        wanted = {"400", "401", "414", "429"} | ({"304"} if method == "get" else set())
        if op.get("parameters") or "requestBody" in op:
            wanted.add("422")
        assert wanted <= set(responses), (path, method, sorted(responses))
        assert "default" not in responses
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                media = response["content"]["application/problem+json"]
                assert media["example"]["status"] == int(code), (path, code)
        assert "Retry-After" in responses["429"]["headers"]
        assert "WWW-Authenticate" in responses["401"]["headers"]


def test_response_headers_are_documented(spec):
    headers = spec["components"]["headers"]
    assert "epoch" in headers["X-RateLimit-Reset"]["description"]
    ops = {op["operationId"]: op for _p, _m, op in _operations(spec)}
    listed = ops["listEnterprises"]["responses"]["200"]["headers"]
    assert {
        "ETag",
        "Cache-Control",
        "Link",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    } <= set(listed)
    assert "X-Change-Seq" in ops["listChanges"]["responses"]["200"]["headers"]
    assert "X-Change-Seq" in ops["downloadExport"]["responses"]["200"]["headers"]


def test_every_body_has_an_example(spec):
    for path, method, op in _operations(spec):
        for media in op.get("requestBody", {}).get("content", {}).values():
            assert "example" in media, (path, method)
        for code, response in op["responses"].items():
            for media in response.get("content", {}).values():
                assert "example" in media, (path, method, code)


def test_records_and_change_events_are_typed(spec):
    schemas = spec["components"]["schemas"]
    union = schemas["ChangeEvent"]["properties"]["snapshot"]["oneOf"]
    names = {ref["$ref"].rsplit("/", 1)[1] for ref in union}
    assert names == {
        "Enterprise",
        "Rating",
        "PenaltySnapshot",
        "InspectionSnapshot",
        "PermitSnapshot",
        "DisclosureSnapshot",
        "EmissionSnapshot",
        "ReplySnapshot",
        "PledgeSnapshot",
        "TemporaryReportSnapshot",
    }
    for name in names:
        assert schemas[name]["required"], name
    assert "PaginationMetadata" not in schemas and "RecordPage" not in schemas
    rating = schemas["Rating"]
    assert {"level_name", "created_at", "adjustment"} <= set(rating["required"])


def test_exports_document_both_content_types_and_their_names(spec):
    op = spec["paths"]["/api/v1/exports/{name}.{fmt}"]["get"]
    assert set(op["responses"]["200"]["content"]) == {"text/csv", "application/x-ndjson"}
    params = {p["name"]: p for p in spec["paths"]["/api/v1/exports/{name}.{fmt}"]["parameters"]}
    assert params["name"]["schema"]["enum"] == ["enterprises", "ratings", "penalties"]
    csv_doc = op["responses"]["200"]["content"]["text/csv"]["schema"]["description"]
    assert "penalties.csv`: id, decision_no, uscc" in csv_doc


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_nullable_enums_list_null_once_and_carry_no_type(spec):
    seen = 0
    for node in _walk(spec):
        enum = node.get("enum")
        if isinstance(enum, list) and node.get("nullable"):
            seen += 1
            assert enum.count(None) == 1 and "type" not in node, node
    assert seen >= 3  # Enterprise.level, Enterprise.permit_category, TipOffStatus.severity


def test_webhook_payload_is_the_change_event(spec):
    callback = spec["paths"]["/api/v1/webhooks"]["post"]["callbacks"]["changeEvent"]
    body = callback["{$request.body#/url}"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChangeEvent"
    }
