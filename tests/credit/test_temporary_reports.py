"""Temporary disclosure reports (临时报告): an obliged enterprise owes one within five working
days of a penalty's decision (Chinese holidays respected); a missing or late one deducts
points under cn-default's ``[temporary_report]``, an on-time one does not."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from core.changelog import ChangeLog
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.users import create_user
from credit.kinds import RATED_ENTITIES, snapshots
from credit.obligations.models import DisclosureObligation
from credit.ratings.describe import describe
from credit.ratings.engine import rate, temporary_due
from credit.ratings.facts import EnterpriseFacts, PenaltyFact, TemporaryReportFact
from credit.ratings.facts_loader import Horizon, load_facts
from credit.ratings.loader import RULEBOOK_DIR, load_rulebook, parse_rulebook
from credit.ratings.rules import RulebookError
from credit.records.publication import default_publish_until
from credit.temporary_reports.filing import file_temporary_report
from credit.temporary_reports.obligations import temporary_obligations
from tests.factories import create_enterprise, create_enterprise_user, create_penalty

BOOK = load_rulebook("cn-default")
WITHOUT = replace(BOOK, temporary_report=None)
#: the Tuesday before 国庆 2026 (holidays 1–7 October, make-up working day Saturday 10 October)
BEFORE_GOLDEN_WEEK = dt.date(2026, 9, 29)
DUE = dt.date(2026, 10, 12)
CONTENT = "本企业因废气超标排放受到行政处罚，现已完成整改，特此披露。"


def _penalty(day=BEFORE_GOLDEN_WEEK, ident=1, severity="general"):
    return PenaltyFact(
        ident, day, severity, 0, ("罚款",), False, default_publish_until(severity, day)
    )


def _facts(*reports, obliged=frozenset({2025}), penalty=None):
    return EnterpriseFacts(
        1,
        "registration",
        penalties=(penalty or _penalty(),),
        obliged_years=obliged,
        temporary_reports=tuple(reports),
    )


def _lines(rating, prefix="disclosure.temporary"):
    return [li for li in rating.explanation if li.rule.startswith(prefix)]


def _obliged(session, ent, year):
    session.add(DisclosureObligation(enterprise_id=ent.id, year=year))
    session.flush()


def test_five_working_days_after_a_penalty_before_golden_week_end_after_the_holiday():
    rule = BOOK.temporary_report
    assert rule is not None and rule.workdays == 5 and rule.events == {"penalty"}
    # 30 Sep, 8 Oct, 9 Oct, Saturday 10 Oct (调休上班), 12 Oct; five weekdays would be 6 Oct
    assert temporary_due(rule, BEFORE_GOLDEN_WEEK) == DUE
    assert temporary_due(rule, dt.date(2026, 12, 1)) == dt.date(2026, 12, 8)


def test_obligation_opens_for_the_obliged_list_of_the_decision_year_or_the_year_before(session):
    ent = create_enterprise(session)
    penalty = create_penalty(session, ent, decision_date=BEFORE_GOLDEN_WEEK)
    today = dt.date(2026, 10, 9)
    assert temporary_obligations(session, BOOK, ent.id, today) == []  # on no list
    _obliged(session, ent, 2024)
    assert temporary_obligations(session, BOOK, ent.id, today) == []  # two years before
    _obliged(session, ent, 2025)
    [item] = temporary_obligations(session, BOOK, ent.id, today)
    assert (item.penalty_id, item.due, item.status) == (penalty.id, DUE, "not_yet_due")
    assert temporary_obligations(session, BOOK, ent.id, DUE)[0].status == "not_yet_due"
    after = temporary_obligations(session, BOOK, ent.id, DUE + dt.timedelta(days=1))
    assert after[0].status == "missing"


def test_a_missing_report_deducts_only_after_the_due_date():
    assert _lines(rate(_facts(), BOOK, DUE)) == []
    rating = rate(_facts(), BOOK, DUE + dt.timedelta(days=1))
    [line] = _lines(rating)
    assert (line.rule, line.points, line.source_type, line.source_id) == (
        "disclosure.temporary_missing",
        -5,
        "penalty",
        1,
    )
    assert "2026-10-12" in line.note and "2026-09-29" in line.note and " / " in line.note
    assert rating.score == rate(_facts(), WITHOUT, DUE + dt.timedelta(days=1)).score - 5
    # the enterprise not on the list for 2026 or 2025: no obligation, no deduction
    assert _lines(rate(_facts(obliged=frozenset({2024})), BOOK, dt.date(2026, 11, 1))) == []


def test_an_on_time_report_costs_nothing_and_a_late_one_less_than_none():
    on_time = TemporaryReportFact(7, 1, DUE)
    late = TemporaryReportFact(8, 1, dt.date(2026, 10, 14))
    day = dt.date(2026, 11, 1)
    assert _lines(rate(_facts(on_time), BOOK, day)) == []
    assert rate(_facts(on_time), BOOK, day).score == rate(_facts(), WITHOUT, day).score
    [line] = _lines(rate(_facts(late), BOOK, day))
    assert (line.rule, line.points) == ("disclosure.temporary_late", -2)
    assert rate(_facts(late), BOOK, day).score == rate(_facts(), WITHOUT, day).score - 2
    assert "2026-10-14" in line.note
    # before the late filing the report was missing
    [before] = _lines(rate(_facts(late), BOOK, dt.date(2026, 10, 13)))
    assert before.rule == "disclosure.temporary_missing"


def test_the_deduction_ends_with_the_penalty_publication_or_its_revocation():
    minor = _penalty(severity="minor")  # published three months
    assert _lines(rate(_facts(penalty=minor), BOOK, dt.date(2026, 12, 1)))
    assert _lines(rate(_facts(penalty=minor), BOOK, dt.date(2027, 1, 1))) == []
    revoked = _penalty()._replace(revoked_at=dt.date(2026, 10, 20))
    assert _lines(rate(_facts(penalty=revoked), BOOK, dt.date(2026, 10, 21))) == []


def test_deductions_are_capped():
    penalties = tuple(
        _penalty(dt.date(2026, 9, 1) + dt.timedelta(days=i), ident=i, severity="minor")
        for i in range(1, 6)
    )
    facts = EnterpriseFacts(1, None, penalties=penalties, obliged_years=frozenset({2026}))
    lines = _lines(rate(facts, BOOK, dt.date(2026, 10, 30)))
    assert len(lines) == 5 and sum(li.points for li in lines) == -15


def test_existing_rules_keep_their_numbers_and_the_new_ones_are_described():
    assert BOOK.label == "cn-default@2026.3"
    assert BOOK.disclosure is not None
    assert (BOOK.disclosure.missing_points, BOOK.disclosure.late_points) == (-10, -3)
    lines = {r.id: r for r in describe(BOOK).rules}
    missing, late = lines["disclosure.temporary_missing"], lines["disclosure.temporary_late"]
    assert (missing.points, late.points, missing.cap) == (-5, -2, -15)
    assert "5 个工作日" in missing.what.zh and "5 working days" in missing.what.en
    assert BOOK.title_of("disclosure.temporary_late") is not None
    assert load_rulebook("jiangsu-12").temporary_report is None


def test_a_bad_temporary_report_table_names_the_key():
    text = (RULEBOOK_DIR / "cn-default.toml").read_text(encoding="utf-8")
    with pytest.raises(RulebookError, match="workdays"):
        parse_rulebook(text.replace("workdays = 5", "workdays = 0"))
    with pytest.raises(RulebookError, match="events"):
        parse_rulebook(text.replace('events = ["penalty"]', 'events = ["permit"]'))


def test_filing_is_a_public_write_and_rescoring_sees_it(session):
    ent = create_enterprise(session)
    _obliged(session, ent, 2026)
    penalty = create_penalty(session, ent, decision_date=dt.date(2026, 12, 1))
    filer = create_enterprise_user(session, ent)
    today = dt.date(2026, 12, 3)
    report = file_temporary_report(
        session, BOOK, filer, penalty_id=penalty.id, content=CONTENT, url="", today=today
    )
    session.commit()
    change = session.scalar(select(ChangeLog).where(ChangeLog.entity == "temporary_report"))
    assert change is not None and change.enterprise_id == ent.id
    assert "temporary_report" in RATED_ENTITIES
    snap = snapshots(session, "temporary_report", [str(report.id)], today)[str(report.id)]
    assert snap["decision_no"] == penalty.decision_no and snap["content"] == CONTENT
    assert "王填报" not in str(snap)
    [facts] = load_facts(session, [ent.id])
    assert facts.temporary_reports == (TemporaryReportFact(report.id, penalty.id, today),)
    horizon = Horizon.for_rulebook(dt.date(2026, 12, 20), BOOK.lookback_days)
    [near] = load_facts(session, [ent.id], horizon=horizon)
    assert rate(near, BOOK, horizon.as_of) == rate(facts, BOOK, horizon.as_of)
    [item] = temporary_obligations(session, BOOK, ent.id, today)
    assert item.status == "on_time" and item.report is not None
    with pytest.raises(Conflict):
        file_temporary_report(
            session, BOOK, filer, penalty_id=penalty.id, content=CONTENT, url="", today=today
        )


def test_filing_is_refused_for_another_enterprise_a_regulator_and_bad_input(session):
    ent, other = create_enterprise(session), create_enterprise(session)
    _obliged(session, ent, 2026)
    penalty = create_penalty(session, ent, decision_date=dt.date(2026, 12, 1))
    stranger = create_enterprise_user(session, other, email="stranger@example.cn")
    today = dt.date(2026, 12, 3)
    with pytest.raises(NotFound):
        file_temporary_report(
            session, BOOK, stranger, penalty_id=penalty.id, content=CONTENT, url="", today=today
        )
    regulator = create_user(
        session,
        email="reg-temp@example.cn",
        name="监管员",
        role="regulator",
        region_code=ent.region_code,
        password="correct horse battery",
    )
    with pytest.raises(Forbidden):
        file_temporary_report(
            session, BOOK, regulator, penalty_id=penalty.id, content=CONTENT, url="", today=today
        )
    filer = create_enterprise_user(session, ent)
    for content, url, field in ((CONTENT, "ftp://x.cn/a", "url"), ("太短", "", "content")):
        with pytest.raises(Invalid) as refused:
            file_temporary_report(
                session, BOOK, filer, penalty_id=penalty.id, content=content, url=url, today=today
            )
        assert field in refused.value.errors
    assert temporary_obligations(session, BOOK, ent.id, today)[0].report is None


def test_the_explanation_cites_the_penalty_and_the_deadline_in_both_languages(session):
    from credit.ratings.engine import rating_to_json
    from credit.ratings.explain import explain
    from credit.ratings.facts_loader import load_facts as load
    from tests.factories import create_rating

    ent = create_enterprise(session)
    _obliged(session, ent, 2025)
    penalty = create_penalty(session, ent, decision_date=BEFORE_GOLDEN_WEEK)
    day = dt.date(2026, 10, 20)
    [facts] = load(session, [ent.id])
    computed = rate(facts, BOOK, day)
    stored = create_rating(session, ent, computed.level, computed.score)
    stored.rulebook_version, stored.explanation = BOOK.label, rating_to_json(computed)
    session.flush()
    [reason] = [r for r in explain(session, stored).reasons if r.rule.startswith("disclosure.t")]
    assert reason.points == -5 and reason.record is not None
    assert (reason.record.entity, reason.record.name) == ("penalty", penalty.decision_no)
    assert reason.label.zh == "未按期披露临时环境信息依法披露报告"
    assert reason.label.en == "Temporary disclosure report after a penalty not filed"
    assert "2026-10-12" in reason.detail.zh and "2026-10-12" in reason.detail.en
    assert "working days" in reason.detail.en and "工作日" in reason.detail.zh


def test_the_daily_run_marks_an_enterprise_whose_report_became_overdue(session):
    from core.changelog import read_changes, set_watermark
    from credit.ratings.expiry import record_expired

    ent, filed = create_enterprise(session), create_enterprise(session)
    unlisted = create_enterprise(session)
    for e in (ent, filed):
        _obliged(session, e, 2025)
    for e in (ent, filed, unlisted):
        create_penalty(session, e, decision_date=BEFORE_GOLDEN_WEEK)
    filer = create_enterprise_user(session, filed)
    file_temporary_report(
        session,
        BOOK,
        filer,
        penalty_id=temporary_obligations(session, BOOK, filed.id, DUE)[0].penalty_id,
        content=CONTENT,
        url="",
        today=DUE,
    )
    set_watermark(session, "publication-expiry", DUE.toordinal())  # the run of the due day
    session.commit()
    seen = read_changes(session, 0)[-1].seq
    assert record_expired(session, DUE + dt.timedelta(days=1), BOOK) == 1
    session.commit()
    rows = [r for r in read_changes(session, seen) if r.entity == "enterprise"]
    assert [(r.entity_id, r.enterprise_id) for r in rows] == [(ent.uscc, ent.id)]
