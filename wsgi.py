"""The composition root: create_app() wires config, extensions and every blueprint."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import credit
import disclosure
import openapi
import search
from core import audit as core_audit
from core import backup_cli as core_backup
from core import cli as core_cli
from core import consumers as core_consumers
from core import guards as core_guards
from core import logs as core_logs
from core import mail as core_mail
from core import metrics as core_metrics
from core import migrate as core_migrate
from core import web as core_web
from core.config import load_config
from core.i18n import init_i18n
from core.limits import init_limits


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from defaults, the environment and ``config`` overrides."""
    settings = load_config(config)
    # No app-wide static folder: its /static/<path> rule would shadow the blueprints' files.
    app = core_web.App(
        "envcredit",
        instance_path=settings["ENVCREDIT_INSTANCE"],
        static_folder=None,
        root_path=str(Path(__file__).parent),
    )
    app.url_map.converters["int"] = core_web.BoundedInt
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="envcredit_session",
        MAX_CONTENT_LENGTH=60 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    core_logs.configure_logging(app)
    if hops := app.config["PROXY_HOPS"]:  # behind nginx (deploy/nginx/envcredit.conf)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    core_guards.guard_hosts(app)
    core_logs.init_request_logging(app)  # first: every later hook's error has a request id
    core_metrics.init_metrics(app)
    core_web.init_db(app)
    core_audit.init_app(app)
    core_web.register_error_handlers(app)
    init_i18n(app)
    init_limits(app)
    core_mail.init_mail(app)
    app.register_blueprint(core_web.bp)
    core_cli.register_cli(app)
    core_backup.register_cli(app)
    app.cli.add_command(core_consumers.worker_cmd)
    credit.init_app(app)
    search.init_app(app)
    openapi.init_app(app)
    disclosure.init_app(app)
    core_web.register_health(app, "consumers", core_consumers.lag)
    core_web.register_health(app, "migrations", core_migrate.migration_state)
    core_consumers.register_gauges(app)
    if app.config["BACKGROUND_CONSUMERS"]:
        _start_consumers_on_first_request(app)
    return app


def _start_consumers_on_first_request(app: Flask) -> None:
    """Serving processes run the change-log consumers as threads; CLI commands do not."""
    started = threading.Lock()

    @app.before_request
    def _start() -> None:
        if "envcredit.consumer_threads" in app.extensions or not started.acquire(False):
            return
        core_consumers.start_background(app)


app = create_app()
