"""Every route is either public on purpose or behind the regulator login; every machine
write (/api/, /open311/) needs an API key scope or is a documented public write."""

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
    "/board/",
    "/monitoring/",
    "/subscriptions/",
    "/data/releases/",
    "/disclosures/",
    "/report-error/",
    "/data-errors/",
)
PUBLIC_EXACT = {
    "/",
    "/regulator/login",
    "/enterprise/activate",
    "/penalties",
    "/rules",
    "/nearby",
    "/help",
    "/accessibility",
    "/senior-mode",
    "/verify",
    "/verify/<code>",
    "/penalties.csv",
    "/enterprises.csv",
    "/disclosures",
    "/disclosures.csv",
    "/map",
    "/board",
    "/monitoring/hotspots",
    "/subscribe",
    "/readyz",
    # loopback clients or the METRICS_TOKEN only (tests/core/test_metrics.py); others 404
    "/metrics",
    "/data/catalog.jsonld",
    "/data/dictionary",
    "/data/dictionary.<any(csv, json):fmt>",
    "/data",
    "/data.json",
}


def _sample_path(rule) -> str:
    def sample(m: re.Match[str]) -> str:
        return "1" if "id" in m.group(1) or m.group(0).startswith("<int:") else "x"

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", sample, rule.rule)


def test_regulator_routes_need_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES):
            continue
        assert path.startswith(("/regulator/", "/enterprise/")), (
            f"route {path} is neither public nor behind a login"
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_sample_path(rule), method=method)
            # GET redirects to the login page; POST without CSRF token is refused first
            assert response.status_code in {302, 400}, (path, method, response.status_code)
            if response.status_code == 302:
                assert "/regulator/login" in response.headers["Location"]
            checked += 1
    assert checked >= 5


#: machine-facing prefixes whose write routes need a key scope or a documented reason
MACHINE_PREFIXES = ("/api/", "/open311/")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: (method, rule) of the machine writes anyone may send, each with the reason it is public
PUBLIC_MACHINE_WRITES = {
    ("POST", "/api/v1/tipoffs"): "filing a tip-off (举报) is every citizen's right, anonymous "
    "or named; it is rate limited per address in the bucket the page form shares",
    ("POST", "/open311/v2/requests.<any(json, xml):fmt>"): "Open311 GeoReport v2 service "
    "requests are tip-offs filed from citizen apps: the same public filing, same bucket",
    ("POST", "/api/v1/subscriptions"): "anyone may follow an enterprise, a region or an "
    "industry by e-mail without an account; double opt-in, rate limited per address in the "
    "bucket the page form shares, at most 3 confirmation mails per address a day",
}


def _api_sample_path(rule) -> str:
    """A URL of ``rule``: the first choice of an ``any(...)``, 1 for numbers, else "x"."""

    def value(match: re.Match[str]) -> str:
        converter = match.group(1) or ""
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip()
        return "1" if converter in {"int", "float"} else "x"

    return re.sub(r"<(?:([^:>]+):)?[^>]+>", value, rule.rule)


def _machine_writes(app) -> list[tuple[str, object]]:
    return sorted(
        (
            (method, rule)
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith(MACHINE_PREFIXES)
            for method in rule.methods & WRITE_METHODS
        ),
        key=lambda pair: (pair[1].rule, pair[0]),
    )


def _documented_operation(app, method: str, rule) -> dict:
    from flask_smorest.spec.plugins import FlaskPlugin

    paths = app.extensions["envcredit.api"].spec.to_dict()["paths"]
    return paths[FlaskPlugin.flaskpath2openapi(rule.rule)][method.lower()]


def test_every_machine_write_needs_a_key_scope_or_is_a_documented_public_write(app):
    from openapi.spec import SCOPED

    unknown = []
    writes = _machine_writes(app)
    for method, rule in writes:
        if (method, rule.rule) in PUBLIC_MACHINE_WRITES:
            continue
        if not rule.rule.startswith("/api/") or rule.endpoint.split(".")[0] not in SCOPED:
            unknown.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not unknown, (
        "write routes with neither a key scope (openapi.spec.SCOPED) nor a reason in "
        "PUBLIC_MACHINE_WRITES:\n" + "\n".join(unknown)
    )
    listed = {(method, rule.rule) for method, rule in writes}
    assert set(PUBLIC_MACHINE_WRITES) <= listed, "a documented public write no longer exists"
    assert len(writes) >= 5


def test_scoped_machine_writes_refuse_a_call_without_the_scope(app, client, session):
    """Each scoped write, sent with the body its document shows, is 401 without a key and
    403 with a key holding every scope but its own: the view really checks its scope."""
    from core.users import SCOPES, create_api_client
    from openapi.spec import SCOPED

    keys = {}
    with app.app_context():  # the key's hash is keyed with the app's HASH_KEY
        for scope in sorted(set(SCOPED.values()) - {"read"}):  # every key holds read
            others = [s for s in SCOPES if s != scope]
            keys[scope] = create_api_client(session, f"all-but-{scope}", others)[1]
    session.commit()
    checked = 0
    for method, rule in _machine_writes(app):
        scope = SCOPED.get(rule.endpoint.split(".")[0])
        if scope is None:
            continue
        operation = _documented_operation(app, method, rule)
        assert operation["security"] == [{"bearer": []}], (method, rule.rule)
        body = None
        if "requestBody" in operation:
            media = operation["requestBody"]["content"]["application/json"]
            assert "example" in media, f"{method} {rule.rule}: document a request example"
            body = media["example"]
        path = _api_sample_path(rule)
        anonymous = client.open(path, method=method, json=body)
        assert anonymous.status_code == 401, (method, path, anonymous.status_code)
        assert anonymous.mimetype == "application/problem+json"
        if scope == "read":  # any partner key: only the anonymous call is refused
            checked += 1
            continue
        wrong_key = {"Authorization": f"Bearer {keys[scope]}"}
        refused = client.open(path, method=method, json=body, headers=wrong_key)
        assert refused.status_code == 403, (method, path, refused.status_code)
        assert scope in refused.get_json()["detail"]
        checked += 1
    assert checked >= 3


def test_documented_public_machine_writes_need_no_key(app, client):
    """The public writes really are public: a call without a key is judged on its body
    (400/422), never refused for want of a key."""
    for method, rule in _machine_writes(app):
        if (method, rule.rule) not in PUBLIC_MACHINE_WRITES:
            continue
        response = client.open(_api_sample_path(rule), method=method, json={})
        assert response.status_code in {400, 422}, (method, rule.rule, response.status_code)
