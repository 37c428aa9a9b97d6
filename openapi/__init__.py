"""What machines use: /api/v1, the OpenAPI document, change feed, exports, webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Create the Api and register every /api/v1 blueprint."""
    from openapi import (
        changes,
        disclosure_lists,
        enterprises,
        exports,
        hotspots,
        monitoring,
        places,
        ratings,
        record_lists,
        records_write,
        search,
        subscriptions,
        sync_receipts,
        tipoffs,
        tipoffs_nearby,
        webhooks,
    )
    from openapi.access import init_access
    from openapi.api import init_api
    from openapi.spec import finish_spec, tidy_converter

    api = init_api(app)
    tidy_converter(api)
    modules = (
        enterprises,
        record_lists,
        disclosure_lists,
        ratings,
        search,
        changes,
        sync_receipts,
        exports,
        records_write,
        tipoffs_nearby,
        tipoffs,
        places,
        hotspots,
        monitoring,
        webhooks,
        subscriptions,
    )
    for module in modules:
        api.register_blueprint(module.blp)
    init_access(app, [module.blp for module in modules])
    finish_spec(app, api)
    from openapi import open311

    app.register_blueprint(open311.bp)
    app.extensions["envcredit.api"] = api
