"""Replies (企业说明): filed by an enterprise's user on its own records only, moderated by a
regulator of its region, public (and in the change feed) only once approved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.changelog import ChangeLog
from core.errors import Conflict, Forbidden, Invalid, NotFound
from credit.kinds import snapshots
from credit.records.models import Inspection
from credit.replies.filing import file_reply, parse_target, reply_targets
from credit.replies.models import Reply
from credit.replies.moderation import approve_reply, reject_reply, reply_queue
from credit.replies.public import public_replies
from tests.factories import (
    create_enterprise,
    create_enterprise_user,
    create_penalty,
    create_regulator,
)

TEXT = "该处罚涉及的超标排放已于 2026 年 6 月完成整改，治理设施已升级改造。"


@pytest.fixture
def world(session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent)
    return (
        ent,
        penalty,
        create_enterprise_user(session, ent),
        create_regulator(session, "lz@example.cn"),
    )


def test_a_reply_waits_and_becomes_public_with_a_change_only_when_approved(session, world):
    ent, penalty, filer, regulator = world
    reply = file_reply(session, filer, target_type="penalty", target_id=penalty.id, text=TEXT)
    session.commit()
    assert reply.status == "pending" and public_replies(session, ent.id) == {}
    assert snapshots(session, "reply", [str(reply.id)], dt.date(2026, 12, 4)) == {
        str(reply.id): None
    }
    assert session.scalar(select(ChangeLog).where(ChangeLog.entity == "reply")) is None
    assert [q.reply.id for q in reply_queue(session, regulator)] == [reply.id]
    approve_reply(session, regulator, reply.id, now=dt.datetime(2026, 12, 4, 2, tzinfo=dt.UTC))
    session.commit()
    assert public_replies(session, ent.id)[("penalty", penalty.id)].id == reply.id
    change = session.scalar(select(ChangeLog).where(ChangeLog.entity == "reply"))
    assert change is not None and change.entity_id == str(reply.id)
    snap = snapshots(session, "reply", [str(reply.id)], dt.date(2026, 12, 4))[str(reply.id)]
    assert snap == {
        "id": reply.id,
        "uscc": ent.uscc,
        "target_type": "penalty",
        "target_id": penalty.id,
        "text": TEXT,
        "lang": "zh-CN",
        "approved_on": "2026-12-04",
    }
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"reply.filed", "reply.approve"} <= actions
    assert reply_queue(session, regulator) == []


def test_another_enterprises_record_is_refused_as_not_found(session, world):
    _ent, penalty, _filer, _regulator = world
    other = create_enterprise(session)
    stranger = create_enterprise_user(session, other, "enterprise_manager")
    with pytest.raises(NotFound):
        file_reply(session, stranger, target_type="penalty", target_id=penalty.id, text=TEXT)
    with pytest.raises(NotFound):
        file_reply(session, stranger, target_type="inspection", target_id=2**40, text=TEXT)
    assert session.scalar(select(Reply)) is None


def test_a_regulator_cannot_file_and_one_outside_the_region_cannot_decide(session, world):
    _ent, _penalty, filer, regulator = world
    with pytest.raises(Forbidden):
        file_reply(session, regulator, target_type="rating", target_id=None, text=TEXT)
    reply = file_reply(session, filer, target_type="rating", target_id=None, text=TEXT)
    outsider = create_regulator(session, "tianshui@example.cn", region="620500")
    with pytest.raises(Forbidden):
        approve_reply(session, outsider, reply.id)
    with pytest.raises(Forbidden):
        reject_reply(session, outsider, reply.id, reason="不符合要求")
    assert reply_queue(session, outsider) == []
    with pytest.raises(Forbidden):
        reply_queue(session, filer)


def test_text_length_one_waiting_reply_and_withdrawn_records(session, world):
    ent, penalty, filer, _regulator = world
    with pytest.raises(Invalid) as short:
        file_reply(session, filer, target_type="penalty", target_id=penalty.id, text="好")
    assert "text" in short.value.errors
    with pytest.raises(Invalid):
        file_reply(session, filer, target_type="penalty", target_id=penalty.id, text="字" * 501)
    file_reply(session, filer, target_type="penalty", target_id=penalty.id, text="字" * 500)
    with pytest.raises(Conflict):
        file_reply(session, filer, target_type="penalty", target_id=penalty.id, text=TEXT)
    withdrawn = Inspection(
        enterprise_id=ent.id,
        ref="JC-1",
        date=dt.date(2026, 3, 1),
        agency="兰州市生态环境局",
        kind="routine",
        outcome="issues_found",
        withdrawn_at=dt.date(2026, 4, 1),
    )
    session.add(withdrawn)
    session.flush()
    with pytest.raises(NotFound):
        file_reply(session, filer, target_type="inspection", target_id=withdrawn.id, text=TEXT)
    targets = {t.value for t in reply_targets(session, filer, dt.date(2026, 12, 4))}
    assert targets == {"rating:", f"penalty:{penalty.id}"}


def test_personal_data_is_held_and_cannot_be_approved(session, world):
    _ent, penalty, filer, regulator = world
    text = "如有疑问请联系 13812345678 王经理，我们已完成整改。"
    reply = file_reply(session, filer, target_type="penalty", target_id=penalty.id, text=text)
    assert reply.status == "held" and reply.held_reasons == "phone"
    with pytest.raises(Invalid):
        approve_reply(session, regulator, reply.id)
    with pytest.raises(Invalid) as no_reason:
        reject_reply(session, regulator, reply.id, reason=" ")
    assert "reason" in no_reason.value.errors
    reject_reply(session, regulator, reply.id, reason="含有个人电话号码")
    assert reply.status == "rejected" and reply.decision_note == "含有个人电话号码"
    with pytest.raises(Conflict):
        approve_reply(session, regulator, reply.id)


def test_a_later_approved_reply_replaces_the_earlier_one(session, world):
    ent, penalty, filer, regulator = world
    first = file_reply(session, filer, target_type="penalty", target_id=penalty.id, text=TEXT)
    approve_reply(session, regulator, first.id)
    second = file_reply(
        session, filer, target_type="penalty", target_id=penalty.id, text=TEXT + "补充说明。"
    )
    approve_reply(session, regulator, second.id)
    session.commit()
    assert first.status == "superseded"
    assert public_replies(session, ent.id)[("penalty", penalty.id)].id == second.id
    ids = [str(first.id), str(second.id)]
    snaps = snapshots(session, "reply", ids, dt.date(2026, 12, 4))
    assert snaps[str(first.id)] is None and snaps[str(second.id)] is not None


def test_parse_target_refuses_unknown_shapes():
    assert parse_target("penalty:12") == ("penalty", 12)
    assert parse_target("rating:") == ("rating", None)
    for bad in ("", "enterprise:1", "penalty:", "penalty:x", "penalty:" + "9" * 11):
        with pytest.raises(Invalid):
            parse_target(bad)
