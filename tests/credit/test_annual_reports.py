"""The annual disclosure report filed online: required parts, plausibility flags, drafts,
the frozen submission and the disclosure record it makes for the year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.changelog import ChangeLog
from core.clock import CHINA
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.users import create_user
from credit.annual_reports.answers import read_answers
from credit.annual_reports.filing import Settings, report_form, save_draft, submit_report
from credit.annual_reports.models import AnnualReport
from credit.annual_reports.parts import PARTS
from credit.annual_reports.prefill import held_records
from credit.annual_reports.published import published_report, submitted_reports
from credit.monitoring.models import CN_HOURLY, Outlet, Reading
from credit.obligations.models import DisclosureObligation
from credit.obligations.status import obligation_list
from credit.ratings.loader import load_rulebook
from credit.records.models import DisclosureReport, Permit, PermitLimit
from tests.factories import create_enterprise

PASSWORD = "correct horse battery"
SETTINGS = Settings(margin="0.2", carbon="D44")
YEAR = 2026
#: a submission inside the year's deadline (15 March of the next year)
ON_TIME = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _context(app_context):
    """Services read the app's keys (audit) and build no URLs."""


def _url(uscc: str, year: int) -> str:
    return f"http://localhost/disclosures/{uscc}/{year}"


def _member(session, ent, role="enterprise_filer"):
    return create_user(
        session,
        email=f"filer{ent.id}-{role}@example.cn",
        name="王填报",
        role=role,
        region_code=ent.region_code,
        password=PASSWORD,
        enterprise_id=ent.id,
    )


def _permit(session, ent, limit="10"):
    permit = Permit(
        enterprise_id=ent.id,
        permit_no=f"91620100MA{ent.id:08d}001P"[:22].ljust(22, "0"),
        category="key",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2028, 12, 31),
        status="valid",
    )
    permit.limits = [PermitLimit(pollutant="SO2", annual_limit_tonnes=Decimal(limit))]
    session.add(permit)
    session.flush()
    return permit


def complete_form(so2="9.5", **changes) -> dict[str, str]:
    """A form with every always-required part answered."""
    form = {
        "basic.name": "兰州测试化工有限公司",
        "basic.legal_representative": "张三",
        "basic.address": "兰州市西固区测试路1号",
        "basic.business": "生产精细化工产品，年产 2 万吨。",
        "management.permit_implementation": "按证排污，按时提交执行报告。",
        "pollution.emissions.0.pollutant": "SO2",
        "pollution.emissions.0.tonnes": so2,
        "pollution.treatment": "脱硫设施正常运行。",
        "emergency.plan": "应急预案已于 2025 年备案。",
        "violations.rectification": "无",
        "temporary.summary": "无",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def firm(session):
    ent = create_enterprise(session, name="兰州年报测试化工有限公司")
    user = _member(session, ent)
    session.flush()
    return ent, user


def _submit(session, user, form, year=YEAR, settings=SETTINGS, now=ON_TIME):
    return submit_report(session, user, year, form, settings, _url, now=now)


def test_missing_required_part_is_refused_naming_it_and_nothing_is_submitted(session, firm):
    _ent, user = firm
    form = complete_form(**{"emergency.plan": None, "pollution.emissions.0.tonnes": None})
    form.pop("pollution.emissions.0.pollutant")
    with pytest.raises(Invalid) as refused, session.begin_nested():
        _submit(session, user, form)
    message = refused.value.message
    assert "生态环境应急信息" in message.zh and "污染物产生、治理与排放信息" in message.zh
    assert "Environmental emergencies" in message.en
    assert "基本信息" not in message.zh
    assert set(refused.value.errors) == {"part.emergency", "part.pollution"}
    assert session.scalar(select(func.count()).select_from(AnnualReport)) == 0
    assert session.scalar(select(func.count()).select_from(DisclosureReport)) == 0


def test_a_part_with_only_optional_fields_missing_is_complete(session, firm):
    _ent, user = firm
    report = _submit(session, user, complete_form())
    assert report.status == "submitted" and report.flags == []
    assert report.snapshot["answers"]["other"]["text"] == ""


def test_carbon_part_is_required_only_for_the_configured_industries(session):
    power = create_enterprise(session, industry_code="D44")
    user = _member(session, power)
    with pytest.raises(Invalid) as refused, session.begin_nested():
        _submit(session, user, complete_form())
    assert "碳排放信息" in refused.value.message.zh
    report = _submit(session, user, complete_form(**{"carbon.carbon_tonnes": "120000"}))
    assert "carbon" in report.snapshot["required"]
    # the same enterprise with no carbon industries configured: not required
    other = create_enterprise(session, industry_code="D44")
    other_user = _member(session, other)
    done = _submit(session, other_user, complete_form(), settings=Settings("0.2", ""))
    assert "carbon" not in done.snapshot["required"]


def test_bad_number_is_refused_with_its_field(session, firm):
    _ent, user = firm
    with pytest.raises(Invalid) as refused:
        save_draft(session, user, YEAR, complete_form(so2="十吨"), ON_TIME.date())
    assert "pollution.emissions.0" in refused.value.errors


def test_plausibility_flags_a_report_far_above_the_permit_limit(session, firm):
    ent, user = firm
    _permit(session, ent, limit="10")
    report = _submit(session, user, complete_form(so2="100"))
    assert [(f["kind"], f["pollutant"], f["reference"]) for f in report.flags] == [
        ("permit_limit", "SO2", "10.0000")
    ]
    assert report.status == "submitted"  # a flag never blocks


def test_plausibility_is_quiet_within_the_margin(session, firm):
    ent, user = firm
    _permit(session, ent, limit="10")
    report = _submit(session, user, complete_form(so2="11.9"))
    assert report.flags == []


def test_plausibility_margin_is_configurable(session, firm):
    ent, user = firm
    _permit(session, ent, limit="10")
    report = _submit(session, user, complete_form(so2="11.9"), settings=Settings("0.1", ""))
    assert [f["kind"] for f in report.flags] == ["permit_limit"]


def _readings(session, ent, kg_per_hour: float, hours: int) -> None:
    outlet = Outlet(
        mn=f"MN{ent.id:010d}",
        enterprise_id=ent.id,
        outlet_code="DA001",
        kind="gas",
        commissioned_on=dt.date(2024, 1, 1),
    )
    session.add(outlet)
    start = dt.datetime(YEAR, 3, 1, tzinfo=CHINA)
    for h in range(hours):
        session.add(
            Reading(
                mn=outlet.mn,
                cn=CN_HOURLY,
                pollutant="a21026",
                time=start + dt.timedelta(hours=h),
                value=20.0,
                total=kg_per_hour,
                flag="N",
            )
        )
    # an invalid hour does not count
    session.add(
        Reading(
            mn=outlet.mn,
            cn=CN_HOURLY,
            pollutant="a21026",
            time=start - dt.timedelta(hours=1),
            value=None,
            total=9999.0,
            flag="F",
        )
    )
    session.flush()


def test_plausibility_compares_with_the_monitoring_networks_total(session, firm):
    ent, user = firm
    _readings(session, ent, kg_per_hour=100.0, hours=100)  # 10 t of SO2 (a21026)
    report = _submit(session, user, complete_form(so2="25"))
    assert [(f["kind"], f["reference"]) for f in report.flags] == [("monitoring", "10.0000")]
    assert report.snapshot["records"]["monitored"] == {"a21026": "10.0000"}


def test_monitoring_total_within_the_margin_is_no_flag(session, firm):
    ent, user = firm
    _readings(session, ent, kg_per_hour=100.0, hours=100)
    report = _submit(session, user, complete_form(so2="10.8"))
    assert report.flags == []


def test_draft_is_saved_and_reloaded(session, firm):
    ent, user = firm
    draft = save_draft(
        session, user, YEAR, complete_form(**{"other.text": "第二段"}), ON_TIME.date()
    )
    assert draft.status == "draft" and draft.saved_by == user.id
    session.expire_all()
    view = report_form(session, user, YEAR, ON_TIME.date(), SETTINGS)
    assert view.report is not None and not view.submitted
    assert view.answers["other"]["text"] == "第二段"
    assert view.answers["pollution"]["emissions"] == [{"pollutant": "SO2", "tonnes": "9.5"}]
    with pytest.raises(NotFound):
        published_report(session, ent.uscc, YEAR)


def test_new_form_is_prefilled_from_the_records(session, firm):
    ent, user = firm
    _permit(session, ent)
    view = report_form(session, user, YEAR, ON_TIME.date(), SETTINGS)
    assert view.report is None
    assert view.answers["basic"]["name"] == ent.name
    assert view.records["permits"][0]["limits"] == [{"pollutant": "SO2", "tonnes": "10.0000"}]
    assert [p.key for p in PARTS if p.key in view.required] == [
        "basic",
        "management",
        "pollution",
        "emergency",
        "violations",
        "temporary",
    ]


def test_submission_freezes_the_report_and_refuses_editing(session, firm):
    ent, user = firm
    report = _submit(session, user, complete_form())
    assert report.submitted_on == dt.date(2026, 12, 8)
    with pytest.raises(Conflict) as refused:
        save_draft(session, user, YEAR, complete_form(so2="1"), ON_TIME.date())
    assert "不能再修改" in refused.value.message.zh
    with pytest.raises(Conflict):
        _submit(session, user, complete_form(so2="1"))
    assert published_report(session, ent.uscc, YEAR).report.snapshot["answers"]["pollution"][
        "emissions"
    ] == [{"pollutant": "SO2", "tonnes": "9.5"}]


def test_submission_records_the_disclosure_through_the_change_log(session, firm):
    ent, user = firm
    session.commit()
    before = session.scalar(select(func.max(ChangeLog.seq))) or 0
    _submit(session, user, complete_form())
    session.commit()
    record = session.scalar(
        select(DisclosureReport).where(DisclosureReport.enterprise_id == ent.id)
    )
    assert record.year == YEAR and record.submitted_at == dt.date(2026, 12, 8)
    assert record.url_or_text == _url(ent.uscc, YEAR)
    entities = session.scalars(select(ChangeLog.entity).where(ChangeLog.seq > before)).all()
    assert "disclosure" in entities


def test_obligation_status_is_on_time_or_late_by_the_submission_date(session, firm):
    ent, user = firm
    late_ent = create_enterprise(session)
    late_user = _member(session, late_ent)
    for e in (ent, late_ent):
        session.add(DisclosureObligation(enterprise_id=e.id, year=2025))
    session.flush()
    _submit(session, user, complete_form(), year=2025, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    _submit(session, late_user, complete_form(), year=2025, now=ON_TIME)
    listing = obligation_list(session, load_rulebook("cn-default"), dt.date(2026, 12, 8), 2025)
    status = {row.uscc: (row.status, row.report_url) for row in listing.rows}
    assert status[ent.uscc] == ("on_time", _url(ent.uscc, 2025))
    assert status[late_ent.uscc] == ("late", _url(late_ent.uscc, 2025))


def test_only_enterprise_users_file_and_only_regulators_list(session, firm, regulator):
    ent, user = firm
    with pytest.raises(Forbidden):
        save_draft(session, regulator, YEAR, complete_form(), ON_TIME.date())
    with pytest.raises(Forbidden):
        submitted_reports(session, user)
    _permit(session, ent)
    _submit(session, user, complete_form(so2="50"))
    rows = submitted_reports(session, regulator, flagged_only=True)
    assert [(r.uscc, r.report.flags[0]["kind"]) for r in rows] == [(ent.uscc, "permit_limit")]


def submitted_report(session, ent, year: int) -> AnnualReport:
    """A submitted report of ``ent`` for ``year``, stored as a submission stores it (for page
    tests that need one without an enterprise user's login)."""
    now = dt.datetime(year + 1, 3, 1, 2, 0, tzinfo=dt.UTC)
    answers = read_answers(complete_form(**{"other.text": "厂区周边设有环境质量公示牌。"}))
    records = held_records(session, ent, year, now.date())
    report = AnnualReport(
        enterprise_id=ent.id,
        year=year,
        status="submitted",
        payload=answers,
        saved_at=now,
        submitted_at=now,
        submitted_on=now.date(),
        flags=[],
        snapshot={
            "year": year,
            "answers": answers,
            "records": records,
            "required": [p.key for p in PARTS if p.required == "always"],
            "submitted_on": now.date().isoformat(),
            "submitted_at": now.isoformat(),
            "url": _url(ent.uscc, year),
        },
    )
    session.add(report)
    session.flush()
    return report


def test_plausibility_compares_with_the_emission_account(session, firm):
    from credit.records.models import EmissionAccount

    ent, user = firm
    session.add(
        EmissionAccount(
            enterprise_id=ent.id,
            year=YEAR,
            pollutant="SO2",
            generated_tonnes=Decimal("20"),
            removal_efficiency=Decimal("0.5"),
            operating_rate=Decimal("1"),
            emitted_tonnes=Decimal("10"),
        )
    )
    session.flush()
    view = report_form(session, user, YEAR, ON_TIME.date(), SETTINGS)
    assert view.answers["pollution"]["emissions"] == [{"pollutant": "SO2", "tonnes": "10.0000"}]
    report = _submit(session, user, complete_form(so2="3"))
    assert [(f["kind"], f["reference"]) for f in report.flags] == [("emission_account", "10.0000")]


def test_a_disclosure_already_held_for_the_year_keeps_its_earlier_date(session, firm):
    ent, user = firm
    session.add(
        DisclosureReport(
            enterprise_id=ent.id, year=2025, submitted_at=dt.date(2026, 3, 10), url_or_text="纸质"
        )
    )
    session.flush()
    _submit(session, user, complete_form(), year=2025)
    record = session.scalar(
        select(DisclosureReport).where(DisclosureReport.enterprise_id == ent.id)
    )
    assert record.submitted_at == dt.date(2026, 3, 10)
    assert record.url_or_text == _url(ent.uscc, 2025)
