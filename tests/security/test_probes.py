"""Hostile-input probes: each asserts the safe outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text, update

from core.audit import AuditEvent
from core.users import ApiClient, User, create_api_client
from tests.disclosure.conftest import csrf_token, login, make_regulator
from tests.factories import create_enterprise, create_penalty, create_rating

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE enterprises; --',
    "%' OR '%'='",
    "\\",
    "%_%",
    "1 UNION SELECT password_hash FROM users",
    "OR(1)",
    "*:*",
    'name:"x',
    "((((",
    "\u202e\u0000".replace("\u0000", ""),
    "😀" * 200,
    "a" * 5000,
]


def test_stored_xss_in_enterprise_and_penalty_fields_is_escaped(client, session):
    ent = create_enterprise(session, name=XSS, address=XSS, legal_representative=XSS)
    penalty = create_penalty(
        session,
        ent,
        facts=XSS,
        violation_type=XSS,
        decision_date=dt.date.today() - dt.timedelta(days=10),
    )
    rating = create_rating(session, ent)
    rating.explanation = [
        {"rule": XSS, "points": -1, "source": {"type": XSS, "id": XSS}, "note": XSS}
    ]
    session.commit()
    for path in (
        "/",
        f"/?q={ent.name[:5]}",
        f"/enterprises/{ent.uscc}",
        f"/penalties/{penalty.id}",
    ):
        body = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, path
    api = client.get(f"/api/v1/enterprises/{ent.uscc}")
    assert api.mimetype == "application/json"


@pytest.mark.parametrize("probe", INJECTIONS)
def test_injection_strings_in_queries_are_harmless(client, session, probe):
    create_enterprise(session, name="正常企业")
    session.commit()
    for path in ("/", "/api/v1/changes", f"/enterprises/{probe}", f"/api/v1/enterprises/{probe}"):
        response = client.get(
            path, query_string={"q": probe, "region": probe, "level": probe, "after": probe}
        )
        assert response.status_code < 500, (path, response.status_code)
    assert session.execute(text("SELECT count(*) FROM enterprises")).scalar() == 1


def test_reflected_xss_in_error_pages_is_escaped(client):
    body = client.get(f"/enterprises/{XSS}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<script>alert" not in body


def test_header_injection_in_redirect_target_is_refused(client, session):
    user = make_regulator(session, "h@example.cn")
    token = csrf_token(client, "/regulator/login")
    response = client.post(
        "/regulator/login?next=/regulator/%0d%0aSet-Cookie:%20x=1",
        data={"email": user.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 400  # a control character in a redirect target (F7)
    assert "x=1" not in response.headers.get("Set-Cookie", "")
    assert "Location" not in response.headers


def test_csrf_is_required_on_every_public_form(client, session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=dt.date.today() - dt.timedelta(days=200))
    session.commit()
    for path in (
        f"/enterprises/{ent.uscc}/objection",
        f"/penalties/{penalty.id}/repair",
        "/regulator/login",
        "/regulator/logout",
    ):
        assert client.post(path, data={"claim": "x" * 20}).status_code == 400, path


def test_secrets_are_not_stored_in_plaintext(app, session):
    user = make_regulator(session, "s@example.cn")
    with app.app_context():
        _, key = create_api_client(session, "partner")
    session.commit()
    dump = "\n".join(
        str(row)
        for table in ("users", "api_clients")
        for row in session.execute(text(f"SELECT * FROM {table}"))
    )
    assert "correct horse battery" not in dump and key not in dump
    assert session.scalar(select(User.password_hash)).startswith("$argon2")
    assert session.scalar(select(ApiClient.key_hash)).startswith("hmac-sha256$") and user


def test_audit_tampering_is_detected(runner, session, client):
    user = make_regulator(session, "t@example.cn")
    login(client, user.email)
    session.execute(update(AuditEvent).values(actor="someone-else"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_nul_bytes_and_huge_bodies_are_refused(client):
    assert client.get("/?q=a%00b").status_code == 400
    huge = client.post(
        "/regulator/login",
        data=b"x" * (61 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert huge.status_code == 413


def test_pages_send_a_strict_content_security_policy(client):
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "<script" not in page.get_data(as_text=True)


def test_huge_ids_in_urls_are_404_not_500(client):
    for path in (
        "/penalties/99999999999999",
        "/api/v1/penalties/99999999999999",
        "/regulator/plans/99999999999999",
    ):
        assert client.get(path).status_code in (302, 404), path


def test_path_traversal_in_an_upload_name_stays_inside_the_upload_folder(app, client, session):
    import io
    from pathlib import Path

    from credit.tipoffs.models import Attachment
    from tests.disclosure.test_tipoffs import file_through_page, jpeg_with_gps

    photo = (io.BytesIO(jpeg_with_gps()), "../../../../tmp/evil.jpg")
    response, receipt = file_through_page(client, attachments=[photo])
    assert receipt is not None, response.get_data(as_text=True)[:500]
    session.rollback()
    stored = session.scalar(select(Attachment))
    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    path = (upload_dir / stored.storage_name).resolve()
    assert path.parent == upload_dir and path.is_file()
    assert "/" not in stored.storage_name and ".." not in stored.storage_name
    assert not Path("/tmp/evil.jpg").exists()  # noqa: S108 - the target of the probe


def test_tracking_codes_cannot_be_guessed_or_used_without_the_secret(client):
    for code in ("JB-22222-22222", "JB-AAAAA-AAAAA", "1", "' OR 1=1"):
        response = client.get(f"/api/v1/tipoffs/{code}", headers={"X-Tipoff-Secret": "x"})
        assert response.status_code == 404
