"""The reply and pledge pages: an enterprise's user writes a reply and signs the pledge; a
regulator of its region approves or (after a confirmation page) rejects; the public page
shows a reply only once approved, and the pledge with its date."""

from __future__ import annotations

import re

import pytest

from credit.pledges.signing import pledge_text
from tests.disclosure.conftest import (
    csrf_token,
    enterprise_member,
    login,
    make_regulator,
    password_step,
)
from tests.factories import create_enterprise, create_penalty

TEXT = "该处罚涉及的超标排放已于六月完成整改，治理设施已升级改造。"


def _member(session, ent, role="enterprise_manager", email=None):
    return enterprise_member(
        session, ent, role=role, email=email or f"m{ent.id}@example.cn", name="李经理"
    )


@pytest.fixture
def firm(client, session):
    """An enterprise with a published penalty, its manager logged in."""
    ent = create_enterprise(session, name="兰州企业说明测试有限公司")
    penalty = create_penalty(session, ent)
    manager = _member(session, ent)
    assert password_step(client, manager.email).status_code == 302
    return ent, penalty


def _file(client, target, text=TEXT):
    token = csrf_token(client, "/enterprise/replies")
    return client.post(
        "/enterprise/replies", data={"target": target, "text": text, "csrf_token": token}
    )


def _logout(client, page="/enterprise/"):
    token = csrf_token(client, page)
    client.post("/regulator/logout", data={"csrf_token": token})


def test_a_reply_shows_on_the_public_page_only_after_approval(client, session, firm):
    ent, penalty = firm
    form = client.get(f"/enterprise/replies?target=penalty:{penalty.id}").get_data(as_text=True)
    assert f'value="penalty:{penalty.id}" selected' in form and penalty.decision_no in form
    filed = _file(client, f"penalty:{penalty.id}")
    assert filed.status_code == 303
    mine = client.get("/enterprise/replies").get_data(as_text=True)
    assert TEXT in mine and "待审核" in mine
    assert TEXT not in client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    _logout(client)

    regulator = make_regulator(session, "lz-replies@example.cn")
    session.commit()
    login(client, regulator.email)
    queue = client.get("/regulator/replies/").get_data(as_text=True)
    assert TEXT in queue and ent.name in queue
    reply_id = int(re.search(r'id="reply-(\d+)"', queue).group(1))
    token = csrf_token(client, "/regulator/replies/")
    approved = client.post(f"/regulator/replies/{reply_id}/approve", data={"csrf_token": token})
    assert approved.status_code == 303

    public = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    block = public[public.index(f'id="penalty-{penalty.id}"') :]
    assert re.search(r'企业说明：</strong><span lang="zh-CN">' + TEXT, block[:2000])
    english = client.get(f"/enterprises/{ent.uscc}?lang=en").get_data(as_text=True)
    assert f'<span lang="zh-CN">{TEXT}</span>' in english and "Enterprise's reply" in english
    from tests.language_check import language_problems

    assert not language_problems(english, "en")


def test_another_enterprises_record_is_refused(client, session, firm):
    _ent, _penalty = firm
    other = create_enterprise(session)
    foreign = create_penalty(session, other)
    session.commit()
    refused = _file(client, f"penalty:{foreign.id}")
    assert refused.status_code == 404 and TEXT not in refused.get_data(as_text=True)
    bad = _file(client, "enterprise:1")
    assert bad.status_code == 422 and "请选择要说明的记录" in bad.get_data(as_text=True)
    short = _file(client, "rating:", "好")
    assert short.status_code == 422 and "说明须为" in short.get_data(as_text=True)


def test_a_regulator_outside_the_region_is_refused_and_reject_needs_a_reason(client, session, firm):
    _ent, penalty = firm
    assert _file(client, f"penalty:{penalty.id}").status_code == 303
    _logout(client)
    outsider = make_regulator(session, "ts-replies@example.cn", region="620500")
    session.commit()
    login(client, outsider.email)
    assert TEXT not in client.get("/regulator/replies/").get_data(as_text=True)
    from credit.replies.models import Reply

    reply_id = session.query(Reply.id).scalar()
    session.rollback()  # end the read: the pages write next
    token = csrf_token(client, "/regulator/replies/")
    assert (
        client.post(f"/regulator/replies/{reply_id}/approve", data={"csrf_token": token})
    ).status_code == 403
    assert client.get(f"/regulator/replies/{reply_id}/reject").status_code == 403
    _logout(client, "/regulator/replies/")

    regulator = make_regulator(session, "lz2-replies@example.cn")
    session.commit()
    login(client, regulator.email)
    confirm = client.get(f"/regulator/replies/{reply_id}/reject")
    assert confirm.status_code == 200 and TEXT in confirm.get_data(as_text=True)
    token = csrf_token(client, f"/regulator/replies/{reply_id}/reject")
    empty = client.post(
        f"/regulator/replies/{reply_id}/reject", data={"reason": "", "csrf_token": token}
    )
    assert empty.status_code == 422 and "不予公开的理由" in empty.get_data(as_text=True)
    done = client.post(
        f"/regulator/replies/{reply_id}/reject",
        data={"reason": "说明与记录无关", "csrf_token": token},
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Reply, reply_id).status == "rejected"


def test_the_manager_signs_the_pledge_and_the_public_page_shows_it(client, session, firm):
    ent, _penalty = firm
    page = client.get("/enterprise/pledge").get_data(as_text=True)
    assert pledge_text().title in page and "签署信用承诺" in page
    token = csrf_token(client, "/enterprise/pledge")
    data = {"name": "李经理", "version": pledge_text().version, "csrf_token": token}
    unticked = client.post("/enterprise/pledge", data=data)
    assert unticked.status_code == 422 and "本企业已阅读并同意以上承诺" in unticked.get_data(
        as_text=True
    )
    signed = client.post("/enterprise/pledge", data={**data, "agree": "yes"})
    assert signed.status_code == 303
    assert "已签署" in client.get("/enterprise/pledge").get_data(as_text=True)
    public = client.get(f"/enterprises/{ent.uscc}").get_data(as_text=True)
    assert re.search(r"已签署信用承诺（\d{4}-\d{2}-\d{2}）", public)
    assert "李经理" not in public


def test_a_filer_cannot_sign_and_the_pages_need_an_enterprise_login(client, session):
    ent = create_enterprise(session)
    assert client.get("/enterprise/replies").status_code in (302, 401)
    assert client.get("/regulator/replies/").status_code in (302, 401)
    filer = _member(session, ent, "enterprise_filer", "filer@example.cn")
    password_step(client, filer.email)
    assert "信用承诺由企业管理员签署" in client.get("/enterprise/pledge").get_data(as_text=True)
    token = csrf_token(client, "/enterprise/pledge")
    refused = client.post(
        "/enterprise/pledge",
        data={"name": "王", "version": pledge_text().version, "agree": "yes", "csrf_token": token},
    )
    assert refused.status_code == 403
    # an enterprise's user is no regulator
    assert client.get("/regulator/replies/").status_code in (302, 403)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_reply_and_pledge_pages_speak_one_language(client, session, firm, lang):
    from tests.language_check import language_problems

    _ent, penalty = firm
    assert _file(client, f"penalty:{penalty.id}").status_code == 303
    client.get("/enterprise/replies")  # the flash of the POST, in the language it was sent in
    problems = []
    for path in ("/enterprise/replies", "/enterprise/pledge"):
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        problems += [f"{path}: {p}" for p in language_problems(html, lang)]
    _logout(client)
    regulator = make_regulator(session, "lz3-replies@example.cn")
    session.commit()
    login(client, regulator.email)
    client.get("/regulator/")  # the login's flash
    queue = client.get(f"/regulator/replies/?lang={lang}").get_data(as_text=True)
    reply_id = int(re.search(r'id="reply-(\d+)"', queue).group(1))
    for path in ("/regulator/replies/", f"/regulator/replies/{reply_id}/reject"):
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        problems += [f"{path}: {p}" for p in language_problems(html, lang)]
    assert not problems, problems
