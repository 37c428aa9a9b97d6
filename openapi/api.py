"""The /api/v1 Api object: flask-smorest with problem+json errors; headers in openapi.headers."""

from __future__ import annotations

import http
from pathlib import Path
from typing import Any

import flask_swagger_ui
import marshmallow as ma
from flask import Flask, send_from_directory
from flask_compress import Compress
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from openapi.headers import init_headers

PROBLEM_CONTENT_TYPE = "application/problem+json"
SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"

API_DESCRIPTION = """\
企业环境信用开放数据接口 / Open data API of the enterprise environmental credit platform.

Reads are open without a key at a low per-address quota; partners send
`Authorization: Bearer <key>` for higher quotas, exports and webhooks. Lists use keyset
paging (`after`, `limit`) with a `Link: rel="next"` header. Errors are
`application/problem+json` (RFC 9457). Mirror the data with `/changes?after=SEQ`.
Problem `title`, `detail` and `errors` texts are bilingual, Chinese first (`中文 / English`),
for a client to show or split; the web pages show each message in the reader's language only.
"""


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document (extension members may follow)."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(
        metadata={
            "description": "URI naming the kind of problem",
            "example": "https://envcredit.org/problems/not-found",
        }
    )
    title = ma.fields.String(metadata={"description": "short summary, Chinese / English"})
    status = ma.fields.Integer(metadata={"description": "HTTP status"})
    detail = ma.fields.String(metadata={"description": "explanation of this occurrence"})
    errors = ma.fields.Raw(
        metadata={
            "description": "field-level details: "
            "{location: {field: [message]}} or {field: [message]}"
        }
    )
    request_id = ma.fields.String(
        metadata={
            "description": "this request's id (also the X-Request-ID header): quote it when "
            "asking about the error",
            "example": "3f2b8c0d9e4a4b6f8a1c2d3e4f5a6b7c",
        }
    )


class ProblemApi(Api):
    """flask-smorest Api whose errors are documented as application/problem+json.

    Error *responses* are produced by core.web's handlers for every status, so the Api
    registers none of its own.
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_api(app: Flask) -> ProblemApi:
    """Create the Api with its config; blueprints are registered by the caller."""
    app.config.update(
        API_TITLE="envcredit open data API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION, "license": {"name": "Apache-2.0"}},
            "servers": [{"url": "/", "description": "this server"}],
        },
    )
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "application/json",
            "application/problem+json",
            "text/html",
            "text/csv",
            "text/css",
            "application/atom+xml",
            "application/x-ndjson",
        ],
    )
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip", "br"])
    # a response that fits in one TCP segment gains nothing from compression but its CPU
    app.config.setdefault("COMPRESS_MIN_SIZE", 1400)
    app.config.setdefault("COMPRESS_STREAMS", False)  # exports stream uncompressed, as they go
    Compress(app)
    api = ProblemApi(app)
    app.add_url_rule(
        "/api/v1/docs/assets/<path:filename>",
        "api_docs_assets",
        lambda filename: send_from_directory(SWAGGER_DIST, filename),
    )
    init_headers(app)  # after Compress: its ETag suffixes (":gzip") apply to ours
    return api
