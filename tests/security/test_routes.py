"""Every route is either public on purpose or behind the regulator login."""

from __future__ import annotations

import re

#: endpoints that anyone may reach (pages, API, static files, health)
PUBLIC_PREFIXES = (
    "/api/",
    "/open311/",
    "/static/",
    "/healthz",
    "/enterprises/",
    "/penalties/",
    "/cases/",
    "/tipoffs/",
    "/stats",
    "/feeds/",
    "/search",
)
PUBLIC_EXACT = {"/", "/regulator/login", "/penalties", "/rules", "/help", "/accessibility"}


def _sample_path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)


def test_regulator_routes_need_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES):
            continue
        assert path.startswith("/regulator/"), f"route {path} is neither public nor regulator"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_sample_path(rule), method=method)
            # GET redirects to the login page; POST without CSRF token is refused first
            assert response.status_code in {302, 400}, (path, method, response.status_code)
            if response.status_code == 302:
                assert "/regulator/login" in response.headers["Location"]
            checked += 1
    assert checked >= 5
