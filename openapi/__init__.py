"""What machines use: /api/v1, the OpenAPI document, change feed, exports, webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Create the Api and register every /api/v1 blueprint."""
    from openapi import changes, enterprises, ratings, search, tipoffs
    from openapi.api import init_api

    api = init_api(app)
    for module in (enterprises, ratings, search, changes, tipoffs):
        api.register_blueprint(module.blp)
    app.extensions["envcredit.api"] = api
