"""The enterprise's pages: activation, login, the dashboard, its users; and an enterprise's
user kept out of every regulator page and action."""

from __future__ import annotations

import re

import pytest

from credit.enterprise_accounts.activation import issue_code
from tests.disclosure.conftest import PASSWORD, csrf_token, login, make_regulator, password_step
from tests.factories import create_enterprise

#: regulator paths an enterprise's user may open: its own account (password, second factor)
OWN_ACCOUNT = ("/regulator/account", "/regulator/mfa", "/regulator/login", "/regulator/logout")


def _code(app, session, ent, role="enterprise_manager") -> str:
    with app.app_context():
        code = issue_code(session, ent, role, "cli:test")
    session.commit()
    return code


def _activate(client, ent, code, email="manager@example.cn", **overrides):
    data = {
        "uscc": ent.uscc,
        "code": code,
        "legal_representative": ent.legal_representative,
        "name": "李经理",
        "email": email,
        "password": PASSWORD,
        "csrf_token": csrf_token(client, "/enterprise/activate"),
    }
    data.update(overrides)
    return client.post("/enterprise/activate", data=data)


@pytest.fixture
def manager(app, client, session):
    """An enterprise, its manager's account opened from a code, and logged in."""
    ent = create_enterprise(session, name="兰州企业账户测试有限公司")
    session.commit()
    opened = _activate(client, ent, _code(app, session, ent))
    assert opened.status_code == 302 and "/regulator/login" in opened.headers["Location"]
    step = password_step(client, "manager@example.cn")
    # MFA is optional for enterprise users: straight to the enterprise's dashboard
    assert step.status_code == 302 and step.headers["Location"].endswith("/enterprise/")
    return ent


def test_activation_refuses_a_wrong_name_and_a_used_code_naming_the_field(app, client, session):
    ent = create_enterprise(session)
    session.commit()
    code = _code(app, session, ent)
    wrong = _activate(client, ent, code, legal_representative="赵六")
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "法定代表人姓名与登记信息不一致" in page
    assert PASSWORD not in page  # the password is never echoed
    assert _activate(client, ent, code).status_code == 302
    again = _activate(client, ent, code, email="second@example.cn")
    assert again.status_code == 422 and "激活码无效、已使用或已过期" in again.get_data(as_text=True)
    english = client.get("/enterprise/activate?lang=en").get_data(as_text=True)
    assert "Activate an enterprise account" in english


def test_the_dashboard_shows_the_users_own_enterprise(client, manager):
    page = client.get("/enterprise/").get_data(as_text=True)
    assert manager.name in page and manager.uscc in page
    assert "即将到期的事项" in page and f"/enterprises/{manager.uscc}/report.pdf" in page


def test_a_manager_adds_a_filer_with_a_code_shown_once(app, client, session, manager):
    token = csrf_token(client, "/enterprise/users")
    made = client.post(
        "/enterprise/users/code", data={"role": "enterprise_filer", "csrf_token": token}
    )
    code = re.search(r"<code>([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})</code>", made.get_data(as_text=True))
    assert made.status_code == 200 and code
    assert code.group(1) not in client.get("/enterprise/users").get_data(as_text=True)
    client.post("/regulator/logout", data={"csrf_token": csrf_token(client, "/enterprise/")})
    filer = _activate(client, manager, code.group(1), email="filer@example.cn")
    assert filer.status_code == 302
    password_step(client, "filer@example.cn")
    listing = client.get("/enterprise/users").get_data(as_text=True)
    assert "filer@example.cn" in listing and "生成激活码" not in listing  # filers add nobody
    token = csrf_token(client, "/enterprise/users")
    refused = client.post(
        "/enterprise/users/code", data={"role": "enterprise_filer", "csrf_token": token}
    )
    assert refused.status_code == 403


def _fill(rule) -> str:
    """A path of ``rule`` with a plausible value for each argument."""
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        value = "1" if converter == "IntegerConverter" else "X"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def test_an_enterprise_user_gets_no_regulator_page_or_action(app, client, session, manager):
    token = csrf_token(client, "/enterprise/users")
    opened, tried = [], 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/regulator") or rule.rule.startswith(OWN_ACCOUNT):
            continue
        path = _fill(rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            tried += 1
            if response.status_code < 300 or (
                response.status_code in (302, 303)
                and "/regulator/login" not in response.headers.get("Location", "")
            ):
                opened.append(f"{method} {path} → {response.status_code}")
    assert not opened, opened
    assert tried > 40  # every regulator page and action was tried
    # still logged in to its own pages after all that
    assert client.get("/enterprise/").status_code == 200


def test_regulators_and_visitors_are_sent_to_the_login_page(app, client, session):
    for path in ("/enterprise/", "/enterprise/users"):
        assert "/regulator/login" in client.get(path).headers["Location"]
    make_regulator(session, "reg@example.cn")
    login(client, "reg@example.cn")
    assert client.get("/regulator/").status_code == 200
    for path in ("/enterprise/", "/enterprise/users"):
        assert "/regulator/login" in client.get(path).headers["Location"]


def test_the_cli_prints_a_code_that_opens_the_account(app, client, session, runner):
    ent = create_enterprise(session)
    session.commit()
    result = runner.invoke(args=["enterprises", "invite", ent.uscc])
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[0]
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
    assert _activate(client, ent, code).status_code == 302
    missing = runner.invoke(args=["enterprises", "invite", "91620100MA00000000"])
    assert missing.exit_code == 1 and "未找到" in missing.output


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_enterprise_pages_speak_one_language(client, manager, lang):
    from tests.language_check import language_problems

    problems = []
    for path in ("/enterprise/", "/enterprise/users", "/regulator/account/"):
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        problems += [f"{path}: {p}" for p in language_problems(html, lang)]
    assert not problems, problems
