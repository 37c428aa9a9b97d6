"""Request guards every route shares (security F5, F7, F13, F14; partner F16)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from core.config import load_config, private_file, trusted_hosts
from core.guards import json_body_problem
from core.web import safe_local_path


def test_untrusted_host_header_is_refused_with_400(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    api = client.get("/api/v1/enterprises?limit=1", headers={"Host": "evil.example"})
    assert api.status_code == 400 and api.mimetype == "application/problem+json"


def test_trusted_hosts_with_any_port_are_served(client):
    for host in ("localhost", "127.0.0.1:5000", "localhost:8080"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_public_base_url_host_is_trusted_and_used_for_absolute_urls(app_config):
    from wsgi import create_app

    app = create_app({**app_config, "PUBLIC_BASE_URL": "https://credit.example.gov.cn/"})
    try:
        client = app.test_client()
        response = client.get("/feeds/penalties.atom", headers={"Host": "credit.example.gov.cn"})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "https://credit.example.gov.cn/" in body and "localhost" not in body
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    finally:
        app.extensions["envcredit.db"].dispose()


def test_trusted_hosts_parses_the_list_and_adds_the_public_host():
    assert trusted_hosts("127.0.0.1, localhost,,", None) == ["127.0.0.1", "localhost"]
    assert trusted_hosts("localhost", "https://a.example:8443/x") == ["localhost", "a.example"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        '{"category":"air","latitude":' + "9" * 5000 + "}",
        '{"records":[' + "[" * 20_000 + "]" * 20_000 + "]}",
    ],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/tipoffs", "/api/v1/records/enterprises", "/api/v1/webhooks"]
)
def test_hostile_json_bodies_are_400_not_500(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/invalid-json")


def test_oversized_json_body_is_413(client, app):
    app.config["JSON_MAX_BYTES"] = 1000
    response = client.post(
        "/api/v1/tipoffs", data=json.dumps({"x": "a" * 2000}), content_type="application/json"
    )
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_json_guard_ignores_brackets_and_digits_inside_strings():
    text = json.dumps({"a": "[" * 100 + "9" * 100, "b": ['\\"[[[[']}).encode()
    assert json_body_problem(text, 32, 40) is None
    assert json_body_problem(b"[" * 33 + b"]" * 33, 32, 40) is not None
    assert json_body_problem(b"[" * 32 + b"]" * 32, 32, 40) is None


def test_long_query_string_is_414_problem_json(client):
    response = client.get("/api/v1/enterprises", query_string={"q": "化" * 3000})
    assert response.status_code == 414 and response.mimetype == "application/problem+json"
    page = client.get("/", query_string={"q": "x" * 5000}, headers={"Accept": "text/html"})
    assert page.status_code == 414


@pytest.mark.parametrize(
    "target",
    ["/regulator/\r\nX-Injected: 1", "/regulator/\nx", "/regulator/\x00", "/regulator/\x7f"],
)
def test_control_characters_in_a_redirect_target_are_400(target):
    from werkzeug.exceptions import BadRequest

    with pytest.raises(BadRequest):
        safe_local_path(target, "/regulator/", "/regulator/cases")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/regulator//evil.example",
        "/regulator/\\evil.example",
        "/regulator/%0d%0aX:1",
        "/regulator/%5Cevil",
        "/other/",
        "/regulator/a b",
        None,
        "",
    ],
)
def test_unsafe_redirect_targets_fall_back(target):
    assert safe_local_path(target, "/regulator/", "/regulator/cases") == "/regulator/cases"


def test_safe_redirect_target_is_kept():
    assert (
        safe_local_path("/regulator/cases?page=2", "/regulator/", "/x") == "/regulator/cases?page=2"
    )


def test_crlf_in_back_field_gives_400_not_500(client, session):
    from tests.disclosure.conftest import csrf_token, login, make_regulator

    make_regulator(session, "back@example.cn")
    login(client, "back@example.cn")
    token = csrf_token(client, "/regulator/cases")
    response = client.post(
        "/regulator/adjustments/1/reject",
        data={"csrf_token": token, "back": "/regulator/\r\nX-Injected: 1", "note": "x"},
    )
    assert response.status_code == 400
    assert "X-Injected" not in response.headers


def test_instance_files_are_private(tmp_path):
    instance = tmp_path / "inst"
    old = os.umask(0o022)
    try:
        config = load_config({"ENVCREDIT_INSTANCE": str(instance), "DATABASE_URL": None})
        from core.db import make_engine

        engine = make_engine(config["DATABASE_URL"])
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
            conn.commit()
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for name in ("envcredit.sqlite3", "secret_key", "hash_key", "audit_key"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name


def test_private_file_tightens_an_existing_file(tmp_path):
    path = tmp_path / "db.sqlite3"
    path.write_text("")
    path.chmod(0o644)
    private_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_search_index_file_is_private(app, tmp_path):
    from search.sqlite_backend import SqliteBackend

    backend = SqliteBackend(tmp_path / "index")
    assert stat.S_IMODE(backend.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "index").stat().st_mode) == 0o700


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/regulator/login").headers
    secure = client.get("/regulator/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
