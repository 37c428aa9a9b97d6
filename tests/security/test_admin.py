"""The admin page: admins only, their region only, POST forms with CSRF, audited; an admin
cannot deactivate themself (issue #13 item 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.users import ApiClient, User, create_api_client
from tests.disclosure.conftest import csrf_token, login, make_regulator

ADMIN = "/regulator/admin/"


@pytest.fixture
def admin(session):
    return make_regulator(session, "admin@example.cn", region="620100", role="admin")


@pytest.fixture
def colleague(session):
    return make_regulator(session, "staff@example.cn", region="620102")


@pytest.fixture
def outsider(session):
    return make_regulator(session, "jining@example.cn", region="370800")


def _fresh(session) -> None:
    """Forget loaded rows and end the read transaction: the next read sees the commits
    the requests made."""
    session.rollback()
    session.expire_all()


def _post(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, ADMIN)})


def test_a_regulator_gets_403_on_every_admin_page(client, session, regulator, colleague):
    with client.application.app_context():
        _, _key = create_api_client(session, "partner")
    session.commit()
    login(client, regulator.email)
    token = csrf_token(client, "/regulator/")
    assert client.get(ADMIN).status_code == 403
    for action in ("deactivate", "activate", "revoke-sessions", "reset-mfa"):
        response = client.post(f"{ADMIN}users/{colleague.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403, action
    assert client.post(f"{ADMIN}api-keys/1/revoke", data={"csrf_token": token}).status_code == 403
    _fresh(session)
    assert session.get(User, colleague.id).active
    assert session.scalar(select(ApiClient.revoked_at)) is None


def test_admin_lists_the_users_of_their_region_with_keys(
    client, session, admin, colleague, outsider
):
    with client.application.app_context():
        create_api_client(session, "mirror", ["exports"])
    session.commit()
    login(client, admin.email)
    page = client.get(ADMIN).get_data(as_text=True)
    assert colleague.email in page and admin.email in page and outsider.email not in page
    assert "mirror" in page and "read exports" in page
    assert client.get("/regulator/").get_data(as_text=True).count(ADMIN) == 1  # in the nav


def test_an_admin_cannot_touch_a_user_outside_their_region(client, session, admin, outsider):
    login(client, admin.email)
    login(client.application.test_client(), outsider.email)  # the outsider has a session
    for action in ("deactivate", "revoke-sessions", "reset-mfa"):
        assert _post(client, f"{ADMIN}users/{outsider.id}/{action}").status_code == 403
    _fresh(session)
    target = session.get(User, outsider.id)
    assert target.active and target.mfa_enrolled


def test_deactivation_by_an_admin_ends_the_users_sessions_and_is_audited(
    app, client, session, admin, colleague
):
    staff = app.test_client()
    login(staff, colleague.email)
    assert staff.get("/regulator/").status_code == 200
    login(client, admin.email)
    page = client.get(ADMIN).get_data(as_text=True)
    assert f'action="{ADMIN}users/{colleague.id}/deactivate"' in page
    response = _post(client, f"{ADMIN}users/{colleague.id}/deactivate")
    assert response.status_code == 303
    assert staff.get("/regulator/").status_code == 302
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))
    assert event.actor == f"user:{admin.id}" and event.subject == f"user:{colleague.id}"
    assert event.detail == {"sessions_ended": 1}
    assert _post(client, f"{ADMIN}users/{colleague.id}/activate").status_code == 303
    _fresh(session)
    assert session.get(User, colleague.id).active


def test_an_admin_cannot_deactivate_themself(client, session, admin):
    login(client, admin.email)
    page = client.get(ADMIN).get_data(as_text=True)
    assert f"users/{admin.id}/deactivate" not in page
    response = _post(client, f"{ADMIN}users/{admin.id}/deactivate")
    assert response.status_code == 303
    assert "不能停用自己的账户" in client.get(ADMIN).get_data(as_text=True)
    _fresh(session)
    assert session.get(User, admin.id).active


def test_admin_ends_sessions_and_resets_the_second_factor(app, client, session, admin, colleague):
    staff = app.test_client()
    login(staff, colleague.email)
    login(client, admin.email)
    assert _post(client, f"{ADMIN}users/{colleague.id}/revoke-sessions").status_code == 303
    assert staff.get("/regulator/").status_code == 302
    assert _post(client, f"{ADMIN}users/{colleague.id}/reset-mfa").status_code == 303
    _fresh(session)
    assert not session.get(User, colleague.id).mfa_enrolled
    # the next login enrols again
    response = staff.post(
        "/regulator/login",
        data={
            "email": colleague.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(staff, "/regulator/login"),
        },
    )
    assert "/regulator/mfa/enrol" in response.headers["Location"]


def test_admin_revokes_an_api_key_and_it_stops_working(client, session, admin):
    with client.application.app_context():
        partner, key = create_api_client(session, "mirror")
    session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/changes", headers=headers).status_code == 200
    login(client, admin.email)
    assert _post(client, f"{ADMIN}api-keys/{partner.id}/revoke").status_code == 303
    assert client.get("/api/v1/changes", headers=headers).status_code == 401
    assert (
        session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "api_key.revoke"))
        == f"user:{admin.id}"
    )


def test_admin_actions_need_a_csrf_token(client, session, admin, colleague):
    login(client, admin.email)
    assert client.post(f"{ADMIN}users/{colleague.id}/deactivate").status_code == 400
    _fresh(session)
    assert session.get(User, colleague.id).active
