"""Helpers for page tests: CSRF tokens from forms, logging in as a regulator."""

from __future__ import annotations

import re

import pytest

from core.users import create_user
from tests.factories import ensure_reference

PASSWORD = "correct horse battery"


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def make_regulator(session, email: str, region: str = "620100", role: str = "regulator"):
    ensure_reference(session, region)
    user = create_user(session, email=email, name=email.split("@")[0], role=role,
                       region_code=region, password=PASSWORD)
    session.commit()
    return user


def login(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/regulator/login")
    return client.post("/regulator/login", data={"email": email, "password": password,
                                                 "csrf_token": token})


@pytest.fixture
def regulator(session):
    return make_regulator(session, "lanzhou@example.cn")
