"""disclosure.enterprise_cases: an enterprise's objections and repair applications from its
account — filed with the public forms' deadlines, listed with every case of the enterprise
(public form included), audited as the user; and nothing of another enterprise reachable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.clock import today as china_today
from core.workdays import add_workdays
from credit.cases.models import Objection, RepairApplication
from credit.cases.objections import ANSWER_WORKDAYS, file_objection
from credit.cases.repairs import apply_for_repair, decide_repair
from tests.disclosure.conftest import csrf_token, enterprise_member, password_step
from tests.factories import create_enterprise, create_penalty

LIST = "/enterprise/objections/"
NEW = "/enterprise/objections/new"


@pytest.fixture
def world(session):
    """Two enterprises with a repairable penalty each; a signed-up filer of the first."""
    ours = create_enterprise(session, name="兰州本企业有限公司", region_code="620102")
    theirs = create_enterprise(session, name="兰州他企业有限公司", region_code="620102")
    old = china_today() - dt.timedelta(days=120)
    own_penalty = create_penalty(session, ours, decision_date=old, severity="general")
    other_penalty = create_penalty(session, theirs, decision_date=old, severity="general")
    session.commit()
    user = enterprise_member(session, ours, email="filer@example.cn")
    return {
        "ours": ours,
        "theirs": theirs,
        "own_penalty": own_penalty,
        "other_penalty": other_penalty,
        "user": user,
    }


def _post_form(client, path: str, data: dict):
    """Post the form at ``path`` with the CSRF token its page carries."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _rating_objection(session, ent, claim: str, contact: str, today):
    """An objection to the enterprise's rating as the public form files it (no account)."""
    return file_objection(
        session,
        ent,
        target_type="rating",
        target_id=None,
        claim=claim,
        contact=contact,
        today=today,
    )


def _approved_repair(app, session, regulator, penalty, filer):
    """A repair of the penalty filed from the account and approved by the regulator."""
    with app.app_context():
        application = apply_for_repair(
            session,
            penalty,
            reason="已整改完毕。",
            commitment="守法承诺",
            contact="王填报",
            today=china_today(),
            filer=filer,
        )
        session.commit()
        decide_repair(
            session, regulator, application.id, approve=True, note=None, today=china_today()
        )
        session.commit()
    return application


@pytest.fixture
def signed_in(client, world):
    step = password_step(client, "filer@example.cn")
    assert step.status_code == 302 and step.headers["Location"].endswith("/enterprise/")
    return world


def _file(client, target: str, claim: str = "该处罚认定事实有误，已提交监测报告。", **extra):
    data = {
        "target": target,
        "claim": claim,
        "contact": "王填报 filer@example.cn",
        "csrf_token": csrf_token(client, NEW),
        **extra,
    }
    return client.post(NEW, data=data)


def test_the_form_is_prefilled_with_the_enterprise_and_the_users_contact(client, signed_in):
    page = client.get(NEW).get_data(as_text=True)
    assert signed_in["ours"].name in page and signed_in["ours"].uscc in page
    assert "王填报 filer@example.cn" in page
    assert signed_in["own_penalty"].decision_no in page
    assert signed_in["other_penalty"].decision_no not in page


def test_an_objection_from_the_account_has_the_public_forms_deadline_and_filer(
    client, session, signed_in
):
    own = signed_in["own_penalty"]
    filed = _file(client, f"penalty:{own.id}")
    assert filed.status_code == 303 and filed.headers["Location"].endswith(LIST)
    objection = session.scalar(select(Objection))
    # the public form's deadline: ten working days from today (credit.cases.objections)
    assert objection.due_at == add_workdays(china_today(), ANSWER_WORKDAYS)
    assert objection.filed_by == signed_in["user"].id
    assert objection.enterprise_id == signed_in["ours"].id
    assert objection.target_type == "penalty" and objection.target_id == own.id
    entry = session.scalar(select(AuditEvent).where(AuditEvent.action == "objection.file"))
    assert entry.actor == f"user:{signed_in['user'].id}"
    listing = client.get(LIST).get_data(as_text=True)
    assert objection.reference in listing and f"/cases/{objection.reference}" in listing
    assert objection.due_at.isoformat() in listing and "王填报" in listing
    assert own.decision_no in listing


def test_a_public_objection_has_the_same_deadline_and_no_filer(app, client, session, world):
    with app.app_context():
        public = _rating_objection(
            session, world["ours"], "评价结果有误。", "0931-1234567", china_today()
        )
    session.commit()
    assert public.filed_by is None
    assert public.due_at == add_workdays(china_today(), ANSWER_WORKDAYS)
    entry = session.scalar(select(AuditEvent).where(AuditEvent.action == "objection.file"))
    assert entry.actor == "public"


def test_the_list_shows_every_case_of_the_own_enterprise_only(app, client, session, signed_in):
    today = china_today()
    with app.app_context():
        public = _rating_objection(
            session, signed_in["ours"], "评价结果有误。", "0931-1234567", today
        )
        other = _rating_objection(
            session, signed_in["theirs"], "他企业的异议。", "0931-7654321", today
        )
        their_repair = apply_for_repair(
            session,
            signed_in["other_penalty"],
            reason="他企业已整改完毕。",
            commitment="守法承诺",
            contact="0931-7654321",
            today=today,
        )
    session.commit()
    listing = client.get(LIST).get_data(as_text=True)
    assert public.reference in listing and "公开页面" in listing  # filed on the public form
    assert other.reference not in listing and their_repair.reference not in listing
    assert signed_in["other_penalty"].decision_no not in listing
    assert "0931-1234567" not in listing  # contacts are the officers', not the list's


def test_a_repair_from_the_account_is_listed_with_its_deadline(client, session, signed_in):
    own = signed_in["own_penalty"]
    path = f"/enterprise/objections/repair/{own.id}"
    form = client.get(path).get_data(as_text=True)
    assert own.decision_no in form and "王填报 filer@example.cn" in form
    sent = _post_form(
        client,
        path,
        {
            "reason": "已更换脱硫设施，监测达标。",
            "commitment": "本企业承诺守法经营。",
            "contact": "王填报 filer@example.cn",
        },
    )
    assert sent.status_code == 303
    application = session.scalar(select(RepairApplication))
    assert application.filed_by == signed_in["user"].id
    assert application.due_at == add_workdays(china_today(), ANSWER_WORKDAYS)
    entry = session.scalar(select(AuditEvent).where(AuditEvent.action == "repair.apply"))
    assert entry.actor == f"user:{signed_in['user'].id}"
    listing = client.get(LIST).get_data(as_text=True)
    assert application.reference in listing and application.due_at.isoformat() in listing
    assert "已有待处理的申请" in listing
    # the same check as the public form: a second pending application is refused
    again = _post_form(
        client,
        path,
        {
            "reason": "再次申请修复。",
            "commitment": "本企业承诺守法经营。",
            "contact": "王填报",
        },
    )
    assert again.status_code == 422 and "已有待处理的修复申请" in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(RepairApplication)) == 1


def test_a_repair_before_the_minimum_period_is_refused_as_on_the_public_form(
    client, session, signed_in
):
    fresh = create_penalty(
        session, signed_in["ours"], decision_date=china_today() - dt.timedelta(days=5)
    )
    session.commit()
    path = f"/enterprise/objections/repair/{fresh.id}"
    sent = _post_form(
        client,
        path,
        {
            "reason": "已整改完毕。",
            "commitment": "守法承诺。",
            "contact": "王填报",
        },
    )
    assert sent.status_code == 422 and "最短公示期未满" in sent.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(RepairApplication)) == 0


def test_bad_input_stores_nothing_and_says_why(client, session, signed_in):
    empty = _file(client, "rating:", claim="")
    assert empty.status_code == 422
    odd = _file(client, "nonsense:99999999999999")
    assert odd.status_code == 422
    assert session.scalar(select(func.count()).select_from(Objection)) == 0


# --- another enterprise's cases and records, from a signed-in enterprise user ---------


def test_an_objection_against_another_enterprises_record_is_refused(client, session, signed_in):
    theirs = signed_in["other_penalty"]
    refused = _file(client, f"penalty:{theirs.id}")
    assert refused.status_code == 422 and "该企业没有这条记录" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Objection)) == 0


def test_another_enterprises_penalty_cannot_be_repaired_from_the_account(
    client, session, signed_in
):
    path = f"/enterprise/objections/repair/{signed_in['other_penalty'].id}"
    assert client.get(path).status_code == 404
    token = csrf_token(client, NEW)
    posted = client.post(
        path,
        data={"reason": "已整改。", "commitment": "承诺。", "contact": "x", "csrf_token": token},
    )
    assert posted.status_code == 404
    assert session.scalar(select(func.count()).select_from(RepairApplication)) == 0


def test_the_account_pages_take_no_enterprise_parameter(client, session, signed_in):
    theirs = signed_in["theirs"]
    for path in (
        f"{LIST}?uscc={theirs.uscc}",
        f"{LIST}?enterprise_id={theirs.id}",
        f"{NEW}?uscc={theirs.uscc}",
    ):
        page = client.get(path).get_data(as_text=True).split("<main")[1].split("</main>")[0]
        assert theirs.name not in page and theirs.uscc not in page
        assert signed_in["ours"].uscc in page
    filed = _file(client, "rating:", uscc=theirs.uscc, enterprise_id=str(theirs.id))
    assert filed.status_code == 303
    assert session.scalar(select(Objection.enterprise_id)) == signed_in["ours"].id


def test_the_regulators_decisions_stay_closed_to_an_enterprise_user(
    app, client, session, signed_in
):
    today = china_today()
    with app.app_context():
        objection = _rating_objection(session, signed_in["theirs"], "他企业的异议。", "0931", today)
        repair = apply_for_repair(
            session,
            signed_in["other_penalty"],
            reason="已整改。",
            commitment="承诺",
            contact="0931",
            today=today,
        )
    session.commit()
    token = csrf_token(client, NEW)
    for path, data in (
        (f"/regulator/objections/{objection.id}/uphold", {"text": "成立"}),
        (f"/regulator/objections/{objection.id}/reject", {"text": "驳回", "confirmed": "1"}),
        (f"/regulator/repairs/{repair.id}/approve", {"note": ""}),
        (f"/regulator/repairs/{repair.id}/reject", {"note": ""}),
    ):
        answer = client.post(path, data={**data, "csrf_token": token})
        assert answer.status_code in {302, 403}, path
        if answer.status_code == 302:
            assert "/regulator/login" in answer.headers["Location"]
    assert client.get("/regulator/todo").status_code == 302
    session.expire_all()
    assert session.get(Objection, objection.id).status == "open"
    assert session.get(RepairApplication, repair.id).status == "pending"


def test_a_public_form_filing_while_signed_in_is_not_the_accounts(client, session, signed_in):
    """The public form stays a public form: filed for another enterprise while signed in,
    it is attributed to no account and never shows in the user's list."""
    theirs = signed_in["theirs"]
    path = f"/enterprises/{theirs.uscc}/objection"
    sent = _post_form(
        client,
        path,
        {
            "target": "rating:",
            "claim": "公开表单提交的异议。",
            "contact": "0931",
        },
    )
    assert sent.status_code == 302
    objection = session.scalar(select(Objection))
    assert objection.enterprise_id == theirs.id and objection.filed_by is None
    assert objection.reference not in client.get(LIST).get_data(as_text=True)


def test_visitors_do_not_get_the_account_pages(client, session, world):
    for path in (LIST, NEW, f"/enterprise/objections/repair/{world['own_penalty'].id}"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/regulator/login" in answer.headers["Location"]


def test_the_progress_page_lists_each_step_with_its_date(app, client, session, signed_in):
    own = signed_in["own_penalty"]
    path = f"/enterprise/objections/repair/{own.id}"
    _post_form(
        client,
        path,
        {
            "reason": "已整改完毕。",
            "commitment": "守法承诺。",
            "contact": "王填报",
        },
    )
    application = session.scalar(select(RepairApplication))
    page = client.get(f"/cases/{application.reference}").get_data(as_text=True)
    assert 'data-step="filed"' in page and "提交并受理" in page
    assert application.due_at.isoformat() in page and "等待答复" in page
    assert 'data-step="published"' not in page
    assert "王填报" not in page  # the filer's name and contact stay off the public page


def test_an_approved_repair_shows_decided_and_published_steps(
    app, client, session, signed_in, regulator
):
    application = _approved_repair(
        app, session, regulator, signed_in["own_penalty"], signed_in["user"]
    )
    page = client.get(f"/cases/{application.reference}").get_data(as_text=True)
    steps = page.split('id="case-steps"')[1].split("</ol>")[0]
    for step in ("filed", "decided", "published", "synced"):
        assert f'data-step="{step}"' in steps, step
    assert steps.count("<time") == 3  # filed, decided, published; not synced yet
    assert "答复：准予修复" in steps and "已同步至 0 个合作网站" in steps


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_account_case_pages_speak_one_language(
    app, client, session, signed_in, regulator, lang
):
    from tests.language_check import language_problems

    own = signed_in["own_penalty"]
    _file(client, f"penalty:{own.id}")
    client.get(LIST)  # the flash, in the language of the request that filed
    application = _approved_repair(app, session, regulator, own, signed_in["user"])
    problems = []
    for path in (LIST, NEW, f"/cases/{application.reference}"):
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        problems += [f"{path}: {p}" for p in language_problems(html, lang)]
    assert not problems, problems


def test_the_api_has_no_case_routes_and_ignores_the_enterprise_login(app, client, signed_in):
    """The API (openapi/) serves no objection or repair and knows no login session: signed
    in, an enterprise's user gets what an anonymous caller gets, another enterprise's public
    data included, and no keyed write."""
    api = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith(("/api/", "/open311/"))]
    assert api and not [r for r in api if any(w in r for w in ("objection", "repair", "case"))]
    theirs = signed_in["theirs"]
    signed = client.get(f"/api/v1/enterprises/{theirs.uscc}")
    anonymous = app.test_client().get(f"/api/v1/enterprises/{theirs.uscc}")
    assert signed.status_code == anonymous.status_code == 200
    assert signed.json == anonymous.json
    assert client.post("/api/v1/changes/ack", json={"seq": 1}).status_code == 401
    assert client.get("/api/v1/webhooks/1").status_code == 401
