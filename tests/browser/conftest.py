"""The browser tests' live server (the test's app on a loopback port) and Debian's Chromium."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.chromium import ARGS, CHROMIUM


@pytest.fixture
def database_url(tmp_path, sqlite_template) -> str:
    """The browser tests run on SQLite only: what they check is the pages in Chromium (layout,
    no-JS forms, axe), and each page's data paths run on PostgreSQL in the integration tests;
    on both databases they cost CI minutes for no page the other does not show."""
    target = tmp_path / "test.sqlite3"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
