"""Helpers for page tests: CSRF tokens from forms, logging in as a regulator (with the
second factor, as REGULATOR_MFA=required demands by default)."""

from __future__ import annotations

import re

import pyotp

from core.db import utcnow
from core.mfa import unseal
from core.users import User, create_user
from tests.factories import PASSWORD, create_enterprise_user, ensure_reference

__all__ = ["PASSWORD"]


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def make_regulator(session, email: str, region: str = "620100", role: str = "regulator"):
    ensure_reference(session, region)
    user = create_user(
        session,
        email=email,
        name=email.split("@")[0],
        role=role,
        region_code=region,
        password=PASSWORD,
    )
    session.commit()
    return user


def enterprise_member(session, ent, role: str = "enterprise_filer", email=None, name="王填报"):
    """An enterprise account user (see ``tests.factories.create_enterprise_user``), committed."""
    user = create_enterprise_user(session, ent, role=role, email=email, name=name)
    session.commit()
    return user


def sign_in_member(client, session, ent, role: str = "enterprise_filer", email=None, name="王填报"):
    """An enterprise account user, committed and signed in (password step) on ``client``."""
    user = enterprise_member(session, ent, role=role, email=email, name=name)
    assert password_step(client, user.email).status_code == 302
    return user


def password_step(client, email: str, password: str = PASSWORD, query: str = ""):
    """Only the first login step (e-mail and password)."""
    token = csrf_token(client, "/regulator/login")
    return client.post(
        "/regulator/login" + query, data={"email": email, "password": password, "csrf_token": token}
    )


def enrolment_secret(client, location: str) -> str:
    """The TOTP secret the enrolment page shows for manual entry."""
    page = client.get(location).get_data(as_text=True)
    match = re.search(r'id="totp-secret">([^<]+)<', page)
    assert match, page[:2000]
    return match.group(1).replace(" ", "")


def unused_code(app, email: str) -> str:
    """A current TOTP code of the user's enrolled secret for a time step not used yet."""
    with app.app_context():
        session = app.extensions["envcredit.db"].new_session()
        try:
            user = session.query(User).filter_by(email=email).one()
            secret, last = unseal(user.totp_secret, user.id, "totp"), user.totp_last_step
        finally:
            session.close()
    assert secret, f"{email} has no second factor"
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current - 1, current, current + 1):
        if last is None or step > last:
            return totp.generate_otp(step)
    raise AssertionError(
        "every code of this 90 s window was used: move the clock on "
        "(time_machine) between logins of one user"
    )


def submit_code(client, location: str, code: str):
    token = csrf_token(client, location)
    return client.post(location, data={"code": code, "csrf_token": token})


def login(client, email: str, password: str = PASSWORD, query: str = ""):
    """Log in completely: password, then enrolment (first login) or a TOTP code."""
    response = password_step(client, email, password, query)
    location = response.headers.get("Location", "")
    if response.status_code != 302:
        return response
    if "/regulator/mfa/enrol" in location:
        secret = enrolment_secret(client, location)
        return submit_code(client, location, pyotp.TOTP(secret).now())
    if "/regulator/login/code" in location:
        return submit_code(client, location, unused_code(client.application, email))
    return response
