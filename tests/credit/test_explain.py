"""A stored rating in words (credit.ratings.explain): titles, records, end dates, the summary
sentence and the veto, for the enterprise page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from credit.ratings.explain import explain
from credit.ratings.loader import load_rulebook
from credit.ratings.models import CreditRating
from credit.ratings.rescoring import rescore
from tests.factories import create_enterprise, create_penalty

BOOK = load_rulebook("cn-default")
D = dt.date(2026, 6, 30)


def _current(session, ent):
    return session.scalars(
        select(CreditRating).where(
            CreditRating.enterprise_id == ent.id, CreditRating.is_current.is_(True)
        )
    ).one()


def test_reasons_name_the_rule_the_record_and_when_it_stops_counting(session):
    ent = create_enterprise(session, permit_category="registration")
    grave = create_penalty(
        session,
        ent,
        severity="grave",
        decision_date=dt.date(2026, 3, 10),
        publish_until=dt.date(2029, 3, 10),
        fine_amount_fen=20_000_000,  # 20万元: the 10万 surcharge
    )
    session.commit()
    rescore(session, None, D, BOOK)
    session.commit()
    x = explain(session, _current(session, ent))
    assert x.score == 65 and x.computed_level == "yellow"
    assert [(r.label.zh, r.points) for r in x.reasons] == [
        ("严重违法行政处罚", -30),
        ("罚款 10 万元以上", -5),
    ]
    for reason in x.reasons:
        assert reason.record.name == grave.decision_no
        assert reason.record.date == dt.date(2026, 3, 10)
        # counts while D < publish_until: the surcharge as long as its penalty
        assert reason.counts_until == dt.date(2029, 3, 9)
    assert (
        x.summary.zh == "环保警示企业（60–79 分）：严重违法行政处罚（−30）、罚款 10 万元以上（−5）"
    )
    assert x.summary.en.startswith("Environmental warning (60–79 points): Penalty for a grave")
    assert x.veto is None and not x.adjusted
    assert x.scale == (0, 100)


def test_a_veto_is_stated_openly(session):
    ent = create_enterprise(session, permit_category="key")  # and no permit: 无证排污
    session.commit()
    rescore(session, None, D, BOOK)
    session.commit()
    x = explain(session, _current(session, ent))
    assert x.score == 90 and x.computed_level == "red"  # −10: no disclosure report
    assert x.veto.zh == "一票否决：无证排污，等级直接评为环保不良企业"
    assert x.veto.en == (
        "Veto: Discharging without a valid permit — the level is set to Environmentally poor"
    )
    assert x.summary.zh == "环保不良企业（一票否决）：未依法披露环境信息（−10）"
    (veto,) = [r for r in x.reasons if r.veto_level]
    assert veto.veto_level == "red" and veto.record is None and veto.points == 0


def test_no_deductions(session):
    ent = create_enterprise(session, permit_category="registration")
    session.commit()
    rescore(session, None, D, BOOK)
    session.commit()
    x = explain(session, _current(session, ent))
    assert x.summary.zh == "环保诚信企业（95–100 分）：无扣分记录"
    assert x.reasons == ()
