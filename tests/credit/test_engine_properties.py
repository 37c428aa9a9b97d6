"""Properties of the engine: bounded score, monotone in deductions, deterministic, causal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credit.ratings.engine import rate
from credit.ratings.facts import (
    EnterpriseFacts,
    InspectionFact,
    PenaltyFact,
    PermitFact,
    TipoffFact,
)
from credit.ratings.loader import load_rulebook

BOOKS = [load_rulebook("cn-default"), load_rulebook("jiangsu-12")]
DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2028, 12, 31))
KINDS = st.sets(
    st.sampled_from(["罚款", "警告", "责令停产停业", "行政拘留", "吊销许可证件"]),
    min_size=1,
    max_size=3,
).map(lambda s: tuple(sorted(s)))


@st.composite
def penalties(draw, ident=st.integers(1, 10_000)):
    decided = draw(DAYS)
    severity = draw(st.sampled_from(["minor", "general", "grave"]))
    until = decided + dt.timedelta(days=draw(st.integers(1, 1200)))
    return PenaltyFact(
        draw(ident),
        decided,
        severity,
        draw(st.integers(0, 300_000_000)),
        draw(KINDS),
        draw(st.booleans()),
        until,
    )


@st.composite
def facts(draw):
    category = draw(st.sampled_from(["key", "simplified", "registration", None]))
    start = draw(DAYS)
    permit = PermitFact(
        1, start, start + dt.timedelta(days=1800), "valid", limits=(("SO2", Decimal("10")),)
    )
    return EnterpriseFacts(
        1,
        category,
        tuple(draw(st.lists(penalties(), max_size=6))),
        tuple(
            InspectionFact(
                i, draw(DAYS), draw(st.sampled_from(["compliant", "issues_found", "refused"]))
            )
            for i in range(draw(st.integers(0, 6)))
        ),
        (permit,) if draw(st.booleans()) else (),
        tipoffs=tuple(TipoffFact(i, draw(DAYS), True) for i in range(draw(st.integers(0, 4)))),
    )


@settings(max_examples=300, deadline=None)
@given(facts(), DAYS, st.sampled_from(BOOKS))
def test_score_stays_within_the_rulebook_bounds(f, day, book):
    rating = rate(f, book, day)
    assert book.min <= rating.score <= book.max
    if book.name == "cn-default":
        assert 0 <= rating.score <= 100


@settings(max_examples=300, deadline=None)
@given(facts(), penalties(ident=st.just(99_999)), DAYS, st.sampled_from(BOOKS))
def test_adding_a_penalty_never_raises_the_score(f, extra, day, book):
    before = rate(f, book, day).score
    after = rate(
        EnterpriseFacts(
            f.enterprise_id,
            f.permit_category,
            (*f.penalties, extra),
            f.inspections,
            f.permits,
            f.emissions,
            f.disclosures,
            f.tipoffs,
        ),
        book,
        day,
    ).score
    assert after <= before


@settings(max_examples=200, deadline=None)
@given(facts(), st.integers(1, 6), DAYS)
def test_adding_an_inspection_with_issues_never_raises_the_score(f, n, day):
    book = BOOKS[0]
    extra = tuple(InspectionFact(1000 + i, day, "issues_found") for i in range(n))
    more = EnterpriseFacts(
        f.enterprise_id,
        f.permit_category,
        f.penalties,
        (*f.inspections, *extra),
        f.permits,
        tipoffs=f.tipoffs,
    )
    assert rate(more, book, day).score <= rate(f, book, day).score


@settings(max_examples=200, deadline=None)
@given(facts(), DAYS, st.sampled_from(BOOKS))
def test_records_after_the_date_change_nothing(f, day, book):
    future = PenaltyFact(
        77_777,
        day + dt.timedelta(days=1),
        "grave",
        10**9,
        ("行政拘留",),
        True,
        day + dt.timedelta(days=1000),
    )
    later = EnterpriseFacts(
        f.enterprise_id,
        f.permit_category,
        (*f.penalties, future),
        f.inspections,
        f.permits,
        tipoffs=f.tipoffs,
    )
    assert rate(later, book, day) == rate(f, book, day)
    assert rate(f, book, day) == rate(f, book, day)
