"""The obliged-to-disclose list: its import, each obligation's status, and the rating rule
that reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.changelog import ChangeLog
from core.errors import BadRequest
from credit.obligations.models import DisclosureObligation
from credit.obligations.status import obligation_list
from credit.ratings.engine import disclosure_due, rate, report_status
from credit.ratings.facts import DisclosureFact, EnterpriseFacts, PermitFact
from credit.ratings.facts_loader import load_facts
from credit.ratings.loader import load_rulebook
from credit.records.models import DisclosureReport
from tests.factories import create_enterprise, ensure_reference, make_uscc

BOOK = load_rulebook("cn-default")
D = dt.date(2026, 6, 30)
PERMIT = PermitFact(1, dt.date(2022, 1, 1), dt.date(2027, 1, 1), "valid")


def _facts(category: str, years=(), disclosures=()) -> EnterpriseFacts:
    return EnterpriseFacts(
        1,
        category,
        permits=(PERMIT,),
        disclosures=tuple(disclosures),
        obliged_years=frozenset(years),
    )


def _ids(facts: EnterpriseFacts, day: dt.date = D) -> list[str]:
    return [line.rule for line in rate(facts, BOOK, day).explanation]


# --- the status rule ----------------------------------------------------------------------


def test_report_status_by_due_date():
    due = disclosure_due(BOOK.disclosure, 2025)
    assert due == dt.date(2026, 3, 15)
    assert report_status(due, None, dt.date(2026, 3, 14)) == "not_yet_due"
    assert report_status(due, None, due) == "missing"
    assert report_status(due, dt.date(2026, 3, 15), D) == "on_time"
    assert report_status(due, dt.date(2026, 3, 16), D) == "late"
    # a report dated after the day asked about does not count yet
    assert report_status(due, dt.date(2026, 7, 1), D) == "missing"
    assert report_status(due, dt.date(2026, 3, 20), dt.date(2026, 3, 10)) == "not_yet_due"
    assert disclosure_due(None, 2025) == dt.date(2026, 3, 15)


# --- the rating reads the list ------------------------------------------------------------


def test_obliged_registration_enterprise_is_rated_for_missing_and_late():
    # without the list a registration-category enterprise is never asked to disclose
    assert "disclosure.missing" not in _ids(_facts("registration"))
    assert "disclosure.missing" in _ids(_facts("registration", years=[2025]))
    late = _facts("registration", [2025], [DisclosureFact(7, 2025, dt.date(2026, 4, 1))])
    assert "disclosure.late" in _ids(late) and "disclosure.missing" not in _ids(late)
    on_time = _facts("registration", [2025], [DisclosureFact(7, 2025, dt.date(2026, 3, 1))])
    assert not {"disclosure.late", "disclosure.missing"} & set(_ids(on_time))


def test_list_replaces_the_category_for_listed_enterprises():
    # a key enterprise listed for another year only is not asked for 2025
    assert "disclosure.missing" in _ids(_facts("key"))
    assert "disclosure.missing" not in _ids(_facts("key", years=[2023, 2024]))
    # before 15 March 2026 the year due is 2024
    assert "disclosure.missing" in _ids(_facts("key", years=[2024]), dt.date(2026, 3, 1))


# --- the import ---------------------------------------------------------------------------


def _import(runner, tmp_path, content: str):
    path = tmp_path / "obligations.csv"
    path.write_text(content, encoding="utf-8")
    return runner.invoke(args=["records", "import", "--kind", "obligations", str(path)])


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_import_is_idempotent_and_writes_the_enterprise_change(runner, session, tmp_path):
    a, b = create_enterprise(session), create_enterprise(session)
    session.commit()
    changes = _count(session, ChangeLog)
    content = f"uscc,year\n{a.uscc},2025\n{b.uscc.lower()},2025\n{a.uscc},2024\n"
    result = _import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    assert _count(session, DisclosureObligation) == 3
    entities = session.scalars(select(ChangeLog.entity).where(ChangeLog.seq > changes)).all()
    assert entities == ["enterprise", "enterprise"]  # one row per enterprise
    again = _import(runner, tmp_path, content)
    assert "3 unchanged" in again.output
    assert _count(session, ChangeLog) == changes + 2


def test_import_errors_store_nothing(runner, session, tmp_path):
    a = create_enterprise(session)
    session.commit()
    unknown = make_uscc(999_999)
    content = (
        f"uscc,year\n{a.uscc},2025\n{unknown},2025\n{a.uscc},1989\n{a.uscc},twenty\n{a.uscc},2025\n"
    )
    result = _import(runner, tmp_path, content)
    assert result.exit_code == 1
    out = result.output
    assert f"row 3, column uscc, value '{unknown}'" in out
    assert "row 4, column year" in out and "row 5, column year" in out
    assert "row 6, column year, value '2025'" in out and "2" in out
    assert _count(session, DisclosureObligation) == 0


def test_a_duplicate_in_a_later_chunk_is_still_an_error(session):
    from credit.records.importing import CHUNK, import_rows

    ents = [create_enterprise(session) for _ in range(10)]
    rows = [(n, {"uscc": ents[n % 10].uscc, "year": str(1990 + n // 10)}) for n in range(CHUNK)]
    rows.append((CHUNK, {"uscc": ents[0].uscc, "year": "1990"}))  # row 0 again
    result = import_rows(session, "obligations", rows)
    assert [(e.row, e.column) for e in result.errors] == [(CHUNK, "year")]
    session.rollback()


# --- the list and its statuses ------------------------------------------------------------


def _obliged(session, year: int, **overrides):
    ent = create_enterprise(session, **overrides)
    session.add(DisclosureObligation(enterprise_id=ent.id, year=year))
    session.flush()
    return ent


def _report(session, ent, year: int, submitted: dt.date, url: str | None = None) -> None:
    session.add(
        DisclosureReport(enterprise_id=ent.id, year=year, submitted_at=submitted, url_or_text=url)
    )
    session.flush()


def test_list_counts_each_status_and_filters_by_region(session):
    ensure_reference(session, "620102")
    on_time = _obliged(session, 2025)
    late = _obliged(session, 2025)
    missing = _obliged(session, 2025, region_code="620102")
    _obliged(session, 2024)
    _report(session, on_time, 2025, dt.date(2026, 3, 1), "https://e.example.cn/r")
    _report(session, late, 2025, dt.date(2026, 4, 2), "纸质版存档")
    ob = obligation_list(session, BOOK, D, 2025)
    assert ob.counts == {"on_time": 1, "late": 1, "missing": 1, "not_yet_due": 0}
    assert ob.years == [2025, 2024] and ob.due == dt.date(2026, 3, 15)
    by_uscc = {r.uscc: r for r in ob.rows}
    assert by_uscc[on_time.uscc].report_url == "https://e.example.cn/r"
    assert by_uscc[late.uscc].report_url is None  # not a link
    assert by_uscc[missing.uscc].status == "missing"
    region = obligation_list(session, BOOK, D, 2025, region="620102")
    assert [r.uscc for r in region.rows] == [missing.uscc] and region.total == 1
    # before the due date nothing missing yet; the default year is the latest listed
    early = obligation_list(session, BOOK, dt.date(2026, 3, 10))
    assert early.year == 2025
    assert early.counts == {"on_time": 1, "late": 0, "missing": 0, "not_yet_due": 2}


def test_list_pages_and_bad_parameters(session):
    for _ in range(5):
        _obliged(session, 2025)
    first = obligation_list(session, BOOK, D, 2025, per_page=2)
    last = obligation_list(session, BOOK, D, 2025, page=3, per_page=2)
    assert (first.pages, len(first.rows), len(last.rows)) == (3, 2, 1)
    assert not {r.uscc for r in first.rows} & {r.uscc for r in last.rows}
    assert first.counts["missing"] == 5  # counts cover every page
    for kwargs, param in (
        ({"page": 4}, "page"),
        ({"page": 0}, "page"),
        ({"region": "999999"}, "region"),
    ):
        with pytest.raises(BadRequest) as caught:
            obligation_list(session, BOOK, D, 2025, per_page=2, **kwargs)
        assert param in caught.value.errors
    with pytest.raises(BadRequest):
        obligation_list(session, BOOK, D, 3000)


def test_facts_carry_the_obliged_years(session):
    listed = _obliged(session, 2025)
    session.add(DisclosureObligation(enterprise_id=listed.id, year=2024))
    other = create_enterprise(session)
    session.flush()
    facts = {f.enterprise_id: f for f in load_facts(session, [listed.id, other.id])}
    assert facts[listed.id].obliged_years == frozenset({2024, 2025})
    assert facts[other.id].obliged_years == frozenset()
    rating = rate(facts[listed.id], BOOK, D)
    assert "disclosure.missing" in [line.rule for line in rating.explanation]


def test_importing_the_list_rescores_the_enterprise(app, runner, session, tmp_path):
    from core.changelog import record_change
    from core.clock import today as china_today
    from credit.ratings.models import CreditRating
    from credit.ratings.rescoring import RescoringConsumer

    ent = create_enterprise(session)  # registration category: never asked without the list
    record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
    session.commit()
    with app.app_context():
        RescoringConsumer("cn-default").catch_up()
    session.rollback()
    before = session.scalar(select(CreditRating).where(CreditRating.is_current))
    assert "disclosure.missing" not in [line["rule"] for line in before.explanation]
    year = china_today().year - 1
    if china_today() < dt.date(year + 1, 3, 15):
        year -= 1
    assert _import(runner, tmp_path, f"uscc,year\n{ent.uscc},{year}\n").exit_code == 0
    with app.app_context():
        RescoringConsumer("cn-default").catch_up()
    session.rollback()
    after = session.scalar(select(CreditRating).where(CreditRating.is_current))
    assert "disclosure.missing" in [line["rule"] for line in after.explanation]
    assert after.score == before.score + BOOK.disclosure.missing_points


def test_the_enterprise_dashboard_follows_the_list(app_context, session):
    from core.users import create_user
    from credit.enterprise_accounts.dashboard import enterprise_dashboard

    today = dt.date(2026, 12, 4)  # the report due next is 2026's, on 2027-03-15

    def report_deadline(ent):
        user = create_user(
            session,
            email=f"m{ent.id}@example.cn",
            name="李四",
            role="enterprise_manager",
            region_code="620100",
            password="a long enough passphrase 42",
            enterprise_id=ent.id,
        )
        board = enterprise_dashboard(session, user, today)
        return next((d for d in board.deadlines if "年度" in d.what.zh), None)

    assert report_deadline(create_enterprise(session)) is None  # registration, not listed
    listed = _obliged(session, 2026)
    deadline = report_deadline(listed)
    assert deadline is not None and deadline.due == dt.date(2027, 3, 15)
    # a key enterprise listed only for another year has no 2026 report to file
    assert report_deadline(_obliged(session, 2024, permit_category="key")) is None
