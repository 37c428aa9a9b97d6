"""The credit pledge (信用承诺): a manager signs the configured text once a year; it is public
data (change log) and scores only in a rulebook with a ``[pledge]`` table."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.changelog import ChangeLog
from core.errors import Conflict, Forbidden, Invalid
from core.users import create_user
from credit.kinds import RATED_ENTITIES, snapshots
from credit.pledges.models import CreditPledge
from credit.pledges.signing import pledge_text, sign_pledge
from credit.ratings.describe import describe
from credit.ratings.engine import rate
from credit.ratings.facts import EnterpriseFacts, PenaltyFact, PledgeFact
from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.loader import RULEBOOK_DIR, load_rulebook, parse_rulebook
from credit.ratings.rules import RulebookError
from tests.factories import create_enterprise

DAY = dt.date(2026, 12, 4)


def _user(session, ent, role):
    return create_user(
        session,
        email=f"{role}{ent.id}@example.cn",
        name="李经理",
        role=role,
        region_code=ent.region_code,
        password="correct horse battery",
        enterprise_id=ent.id,
    )


def _with_pledge(points: int = 2, extra: str = "") -> str:
    text = (RULEBOOK_DIR / "cn-default.toml").read_text(encoding="utf-8")
    return text + f"\n[pledge]\npoints = {points}\n{extra}"


def test_the_pledge_text_is_configuration_with_a_version():
    text = pledge_text()
    assert text.version and text.title == "企业环境信用承诺书"
    assert len(text.paragraphs) >= 3 and all("\n\n" not in p for p in text.paragraphs)


def test_a_manager_signs_once_a_year_and_the_change_log_carries_it(session):
    ent = create_enterprise(session)
    manager = _user(session, ent, "enterprise_manager")
    version = pledge_text().version
    pledge = sign_pledge(session, manager, name="李经理", version=version, agreed=True, today=DAY)
    session.commit()
    assert (pledge.year, pledge.signed_on, pledge.version) == (2026, DAY, version)
    change = session.scalar(select(ChangeLog).where(ChangeLog.entity == "pledge"))
    assert change is not None and change.enterprise_id == ent.id and "pledge" in RATED_ENTITIES
    snap = snapshots(session, "pledge", [str(pledge.id)], DAY)[str(pledge.id)]
    assert snap == {
        "id": pledge.id,
        "uscc": ent.uscc,
        "year": 2026,
        "version": version,
        "signed_on": "2026-12-04",
    }
    assert "李经理" not in str(snap)  # the signer's name stays with the regulator
    with pytest.raises(Conflict):
        sign_pledge(session, manager, name="李经理", version=version, agreed=True, today=DAY)
    next_year = sign_pledge(
        session, manager, name="李经理", version=version, agreed=True, today=dt.date(2027, 1, 2)
    )
    assert next_year.year == 2027


def test_signing_is_refused_to_filers_without_consent_and_for_a_stale_text(session):
    ent = create_enterprise(session)
    filer, manager = (
        _user(session, ent, "enterprise_filer"),
        _user(session, ent, "enterprise_manager"),
    )
    version = pledge_text().version
    with pytest.raises(Forbidden):
        sign_pledge(session, filer, name="王填报", version=version, agreed=True, today=DAY)
    with pytest.raises(Invalid) as refused:
        sign_pledge(session, manager, name="李经理", version=version, agreed=False, today=DAY)
    assert "agree" in refused.value.errors
    with pytest.raises(Invalid):
        sign_pledge(session, manager, name=" ", version=version, agreed=True, today=DAY)
    with pytest.raises(Conflict):
        sign_pledge(session, manager, name="李经理", version="1999.1", agreed=True, today=DAY)
    assert session.scalar(select(CreditPledge)) is None


def test_a_pledge_changes_the_score_only_in_a_rulebook_that_enables_it():
    default = load_rulebook("cn-default")
    enabled = parse_rulebook(_with_pledge(2), "pledge-test.toml")
    assert default.pledge is None and enabled.pledge is not None
    assert enabled.pledge.id == "pledge.signed"
    # a general penalty: a score below the maximum, so a bonus can show
    penalty = PenaltyFact(
        3, dt.date(2026, 5, 1), "general", 5_000_000, ("罚款",), False, dt.date(2027, 11, 1)
    )
    plain = EnterpriseFacts(1, "registration", penalties=(penalty,))
    pledged = plain._replace(pledges=(PledgeFact(7, 2026, dt.date(2026, 3, 1)),))
    assert rate(pledged, default, DAY).score == rate(plain, default, DAY).score
    base = rate(plain, enabled, DAY).score
    scored = rate(pledged, enabled, DAY)
    assert base < enabled.max and scored.score == base + 2
    assert ("pledge.signed", 2) in [(li.rule, li.points) for li in scored.explanation]
    # before signing, and in the next year, it does not count
    for day in (dt.date(2026, 2, 28), dt.date(2027, 1, 5)):
        assert rate(pledged, enabled, day).score == rate(plain, enabled, day).score
    assert "pledge.signed" in [r.id for r in describe(enabled).rules]


def test_the_rulebook_refuses_a_pledge_deduction_and_a_repeated_id():
    with pytest.raises(RulebookError, match=r"pledge\.points"):
        parse_rulebook(_with_pledge(-2), "bad.toml")
    with pytest.raises(RulebookError, match=r"pledge\.points"):
        parse_rulebook(_with_pledge(0), "bad.toml")
    with pytest.raises(RulebookError, match="unique"):
        parse_rulebook(_with_pledge(2, 'id = "disclosure.missing"'), "bad.toml")


def test_a_signed_pledge_reaches_the_engines_facts(session):
    ent = create_enterprise(session)
    manager = _user(session, ent, "enterprise_manager")
    sign_pledge(
        session, manager, name="李经理", version=pledge_text().version, agreed=True, today=DAY
    )
    session.commit()
    (facts,) = load_facts(session, [ent.id], horizon=Horizon.for_rulebook(DAY, 400))
    assert [(p.year, p.signed_on) for p in facts.pledges] == [(2026, DAY)]
    (later,) = load_facts(session, [ent.id], horizon=Horizon.for_rulebook(dt.date(2027, 6, 1), 400))
    assert later.pledges == ()


def test_rescoring_a_pledged_enterprise_stores_the_bonus_only_under_an_enabling_rulebook(session):
    from credit.ratings.models import CreditRating
    from credit.ratings.rescoring import rescore
    from tests.factories import create_penalty

    ent = create_enterprise(session)
    create_penalty(session, ent, decision_date=dt.date(2026, 5, 1))
    manager = _user(session, ent, "enterprise_manager")
    sign_pledge(
        session, manager, name="李经理", version=pledge_text().version, agreed=True, today=DAY
    )
    session.flush()

    def stored(book):
        rescore(session, [ent.id], DAY, book)
        session.flush()
        return session.scalar(
            select(CreditRating).where(
                CreditRating.enterprise_id == ent.id, CreditRating.is_current.is_(True)
            )
        )

    plain = stored(load_rulebook("cn-default"))
    assert "pledge.signed" not in [line["rule"] for line in plain.explanation]
    pledged = stored(parse_rulebook(_with_pledge(2), "pledge-test.toml"))
    assert pledged.score == plain.score + 2
    assert {"rule": "pledge.signed", "points": 2}.items() <= next(
        line for line in pledged.explanation if line["rule"] == "pledge.signed"
    ).items()
