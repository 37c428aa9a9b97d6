"""The composition root: create_app() wires config, extensions and every blueprint."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from core import cli as core_cli
from core import web as core_web
from core.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from defaults, the environment and ``config`` overrides."""
    settings = load_config(config)
    app = Flask("envcredit", instance_path=settings["ENVCREDIT_INSTANCE"],
                root_path=str(__import__("pathlib").Path(__file__).parent))
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="envcredit_session",
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    core_web.init_db(app)
    core_web.register_error_handlers(app)
    app.register_blueprint(core_web.bp)
    core_cli.register_cli(app)
    return app


app = create_app()
