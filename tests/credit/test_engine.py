"""The scoring contract: every worked example of rulebook-default.md, and the edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credit.ratings.engine import rate, rating_to_json
from credit.ratings.facts import (
    AdjustmentFact,
    DisclosureFact,
    EmissionFact,
    EnterpriseFacts,
    InspectionFact,
    PenaltyFact,
    PermitFact,
    TipoffFact,
)
from credit.ratings.loader import load_rulebook
from credit.records.publication import default_publish_until

D = dt.date(2026, 6, 30)
BOOK = load_rulebook("cn-default")
JS = load_rulebook("jiangsu-12")


def penalty(
    ident: int,
    decided: dt.date,
    severity: str = "general",
    fine_yuan: int = 0,
    kinds: tuple[str, ...] = ("罚款",),
    criminal: bool = False,
    **kw,
) -> PenaltyFact:
    return PenaltyFact(
        ident,
        decided,
        severity,
        fine_yuan * 100,
        kinds,
        criminal,
        kw.pop("publish_until", default_publish_until(severity, decided)),
        **kw,
    )


def ent(category: str = "registration", **records) -> EnterpriseFacts:
    return EnterpriseFacts(1, category, **{k: tuple(v) for k, v in records.items()})


def score_level(facts: EnterpriseFacts, book=BOOK, day: dt.date = D) -> tuple[int, str]:
    r = rate(facts, book, day)
    return r.score, r.level


# --- the worked examples (D = 2026-06-30) -------------------------------------------------


def test_no_records_registration_is_100_green():
    assert score_level(ent()) == (100, "green")


def test_two_minor_penalties_96_green():
    facts = ent(
        penalties=[
            penalty(1, dt.date(2026, 5, 1), "minor"),
            penalty(2, dt.date(2026, 6, 1), "minor"),
        ]
    )
    assert score_level(facts) == (96, "green")


def test_general_penalty_fine_50000_is_90_blue():
    assert score_level(ent(penalties=[penalty(1, dt.date(2026, 1, 10), fine_yuan=50_000)])) == (
        90,
        "blue",
    )


def test_general_penalty_expired_on_publish_until_is_100_green():
    assert score_level(ent(penalties=[penalty(1, dt.date(2025, 6, 1))])) == (100, "green")


def test_grave_penalty_fine_200000_is_65_yellow():
    facts = ent(penalties=[penalty(1, dt.date(2025, 9, 1), "grave", fine_yuan=200_000)])
    assert score_level(facts) == (65, "yellow")


def test_two_grave_penalties_in_2026_is_40_red():
    facts = ent(
        penalties=[
            penalty(1, dt.date(2026, 2, 1), "grave"),
            penalty(2, dt.date(2026, 3, 1), "grave"),
        ]
    )
    assert score_level(facts) == (40, "red")


def test_general_penalty_with_criminal_transfer_is_90_but_black():
    facts = ent(penalties=[penalty(1, dt.date(2026, 1, 10), criminal=True)])
    rating = rate(facts, BOOK, D)
    assert (rating.score, rating.level) == (90, "black")
    assert "veto.criminal" in [li.rule for li in rating.explanation]


def test_key_enterprise_whose_permit_expired_is_red():
    permit = PermitFact(7, dt.date(2021, 4, 1), dt.date(2026, 3, 31), "valid")
    facts = ent("key", permits=[permit], disclosures=[DisclosureFact(1, 2025, dt.date(2026, 3, 1))])
    rating = rate(facts, BOOK, D)
    assert rating.level == "red" and rating.score == 100
    assert ("veto.no_permit", "permit", 7) in [
        (li.rule, li.source_type, li.source_id) for li in rating.explanation
    ]


def test_five_inspections_with_issues_capped_at_15_is_85_blue():
    days = [
        dt.date(2025, 8, 1),
        dt.date(2025, 10, 1),
        dt.date(2026, 1, 5),
        dt.date(2026, 3, 3),
        dt.date(2026, 6, 30),
    ]
    facts = ent(inspections=[InspectionFact(i, d, "issues_found") for i, d in enumerate(days)])
    rating = rate(facts, BOOK, D)
    assert (rating.score, rating.level) == (85, "blue")
    assert sum(li.points for li in rating.explanation) == -15


# --- edges ---------------------------------------------------------------------------------


def test_minor_penalty_window_clamps_to_month_end():
    p = penalty(1, dt.date(2025, 11, 30), "minor")  # + 3 months = 2026-02-28
    assert score_level(ent(penalties=[p]), day=dt.date(2026, 2, 27))[0] == 98
    assert score_level(ent(penalties=[p]), day=dt.date(2026, 2, 28))[0] == 100


def test_record_dated_after_as_of_never_counts():
    assert score_level(ent(penalties=[penalty(1, dt.date(2026, 7, 1), "grave")]))[0] == 100


def test_fine_surcharges_at_the_thresholds():
    def with_fine(yuan: int) -> int:
        return score_level(ent(penalties=[penalty(1, dt.date(2026, 1, 10), fine_yuan=yuan)]))[0]

    assert [with_fine(99_999), with_fine(100_000), with_fine(999_999), with_fine(1_000_000)] == [
        90,
        85,
        85,
        80,
    ]


def test_revoked_and_repaired_penalties_stop_counting_from_that_day():
    repaired = penalty(1, dt.date(2026, 1, 10), repaired_at=dt.date(2026, 5, 1))
    revoked = penalty(2, dt.date(2026, 1, 10), revoked_at=dt.date(2026, 7, 1))
    assert score_level(ent(penalties=[repaired]))[0] == 100
    assert score_level(ent(penalties=[revoked]))[0] == 90


def test_inspection_window_is_365_days_half_open():
    facts = ent(
        inspections=[
            InspectionFact(1, D - dt.timedelta(days=365), "issues_found"),
            InspectionFact(2, D - dt.timedelta(days=364), "issues_found"),
        ]
    )
    assert score_level(facts)[0] == 97


def test_refused_inspection_vetoes_red_and_black_outranks_red():
    refused = InspectionFact(1, dt.date(2026, 1, 1), "refused")
    assert score_level(ent(inspections=[refused])) == (100, "red")
    both = ent(
        inspections=[refused],
        penalties=[penalty(2, dt.date(2026, 1, 10), kinds=("罚款", "行政拘留"))],
    )
    rating = rate(both, BOOK, D)
    assert rating.level == "black"
    assert {"veto.refused_inspection", "veto.detention"} <= {li.rule for li in rating.explanation}


def test_closure_kinds_veto_red():
    facts = ent(penalties=[penalty(1, dt.date(2026, 1, 10), "grave", kinds=("责令停产停业",))])
    assert score_level(facts) == (70, "red")


def test_emission_over_limit_deducts_and_over_20_percent_vetoes():
    permit = PermitFact(
        1,
        dt.date(2023, 1, 1),
        dt.date(2027, 12, 31),
        "valid",
        limits=(("SO2", Decimal("10")), ("COD", Decimal("8"))),
    )
    facts = ent(
        permits=[permit],
        emissions=[
            EmissionFact(1, 2025, "SO2", Decimal("11")),
            EmissionFact(2, 2025, "COD", Decimal("7")),
        ],
    )
    assert score_level(facts) == (90, "blue")
    worse = ent(permits=[permit], emissions=[EmissionFact(1, 2025, "SO2", Decimal("12.5"))])
    assert score_level(worse) == (90, "red")


def test_disclosure_missing_and_late_only_for_key_enterprises():
    assert (
        score_level(
            ent("key", permits=[PermitFact(1, dt.date(2022, 1, 1), dt.date(2027, 1, 1), "valid")])
        )[0]
        == 90
    )
    late = ent(
        "key",
        permits=[PermitFact(1, dt.date(2022, 1, 1), dt.date(2027, 1, 1), "valid")],
        disclosures=[DisclosureFact(5, 2025, dt.date(2026, 4, 1))],
    )
    assert score_level(late)[0] == 97
    simplified = ent(
        "simplified", permits=[PermitFact(1, dt.date(2022, 1, 1), dt.date(2027, 1, 1), "valid")]
    )
    assert score_level(simplified)[0] == 100


def test_disclosure_due_date_decides_the_year():
    facts = ent(
        "key",
        permits=[PermitFact(1, dt.date(2022, 1, 1), dt.date(2027, 1, 1), "valid")],
        disclosures=[DisclosureFact(1, 2024, dt.date(2025, 3, 1))],
    )
    assert score_level(facts, day=dt.date(2026, 3, 14))[0] == 100  # 2024 report is the latest due
    assert score_level(facts, day=dt.date(2026, 3, 15))[0] == 90  # 2025 report now due


def test_substantiated_tipoffs_capped():
    tips = [TipoffFact(i, dt.date(2026, 1, i + 1), True) for i in range(4)]
    assert score_level(ent(tipoffs=tips))[0] == 85


def test_adjustment_replaces_level_until_expiry():
    adj = AdjustmentFact(3, "yellow", "多次超标", dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    rating = rate(ent(adjustments=[adj]), BOOK, D)
    assert (rating.level, rating.computed_level, rating.adjustment_id) == ("yellow", "green", 3)
    assert rating_to_json(rating)[-1]["note"] == "多次超标"
    assert rate(ent(adjustments=[adj]), BOOK, dt.date(2026, 7, 1)).level == "green"


def test_score_is_floored_at_zero():
    facts = ent(penalties=[penalty(i, dt.date(2026, 1, i), "grave") for i in range(1, 6)])
    assert score_level(facts) == (0, "red")


# --- jiangsu-12 ----------------------------------------------------------------------------


def test_jiangsu_clean_enterprise_gets_three_bonus_points():
    assert score_level(ent(), JS) == (12, "green")


def test_jiangsu_deductions_and_windows():
    general = penalty(1, dt.date(2026, 1, 10))
    assert score_level(ent(penalties=[general]), JS) == (9, "blue")  # 9 - 3 + 3 clean years
    criminal = penalty(2, dt.date(2024, 1, 10), criminal=True)
    assert score_level(ent(penalties=[criminal]), JS) == (-1, "black")  # 9 - 12 + 2


@pytest.mark.parametrize("name", ["cn-default", "jiangsu-12"])
def test_rate_is_deterministic(name):
    book = load_rulebook(name)
    facts = ent("key", penalties=[penalty(1, dt.date(2026, 1, 10), fine_yuan=200_000)])
    assert rate(facts, book, D) == rate(facts, book, D)


def test_fast_month_arithmetic_agrees_with_dateutil():
    from dateutil.relativedelta import relativedelta

    from credit.ratings.rules import add_months

    day = dt.date(2023, 1, 1)
    while day < dt.date(2025, 1, 1):
        for months in (1, 3, 6, 12, 24, 36):
            assert add_months(day, months) == day + relativedelta(months=months)
        day += dt.timedelta(days=1)


def test_a_veto_that_sets_the_level_marks_the_rating_vetoed():
    vetoed = rate(ent(penalties=[penalty(1, dt.date(2026, 1, 10), criminal=True)]), BOOK, D)
    assert (vetoed.level, vetoed.vetoed) == ("black", True)
    by_score = rate(ent(penalties=[penalty(1, dt.date(2026, 1, 10), "grave")]), BOOK, D)
    assert by_score.vetoed is False


def test_an_adjustment_over_a_veto_is_not_vetoed():
    adj = AdjustmentFact(3, "yellow", "复核调整", dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    facts = ent(penalties=[penalty(1, dt.date(2026, 1, 10), criminal=True)], adjustments=[adj])
    rating = rate(facts, BOOK, D)
    assert (rating.level, rating.computed_level, rating.vetoed) == ("yellow", "black", False)
