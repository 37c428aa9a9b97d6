"""Freshness: the import log of both channels, each dataset's newest record, and the footer's
date as the newest of the datasets' updates (tip-offs, which the change log does not carry,
included)."""

from __future__ import annotations

import datetime as dt

import time_machine

from core.changelog import record_change
from credit.freshness.datasets import data_updated_at, data_updated_on, freshness
from credit.freshness.import_log import last_imports
from credit.records.importing import push_records
from credit.records.models import Inspection
from credit.tipoffs.filing import TipOffInput, file_tipoff
from tests.factories import create_enterprise, ensure_reference, make_uscc

TODAY = dt.date(2026, 7, 1)


def _by_key(fresh):
    return {d.key: d for d in fresh.datasets}


def test_a_push_is_logged_as_an_api_import(app_context, session):
    ensure_reference(session, "620102", "C2611")
    record = {
        "uscc": make_uscc(901, "620102"),
        "name": "兰州推送测试有限公司",
        "region_code": "620102",
        "industry_code": "C2611",
        "permit_category": "登记管理",
        "status": "在营",
    }
    push_records(session, "api_client:3", "enterprises", [record])
    push_records(session, "api_client:3", "enterprises", [record])  # unchanged the second time
    imports = last_imports(session)
    assert [(i.kind, i.channel, i.rows, i.created, i.updated) for i in imports] == [
        ("enterprises", "api", 1, 0, 0)
    ]


def test_the_newest_inspection_leaves_out_withdrawn_ones(app_context, session):
    ent = create_enterprise(session)
    for ref, day, withdrawn in (("JC-1", 5, None), ("JC-2", 20, dt.date(2026, 6, 25))):
        session.add(
            Inspection(
                enterprise_id=ent.id,
                ref=ref,
                date=dt.date(2026, 6, day),
                agency="兰州市生态环境局",
                kind="routine",
                outcome="compliant",
                withdrawn_at=withdrawn,
            )
        )
    session.flush()
    datasets = _by_key(freshness(session, TODAY))
    assert datasets["inspections"].newest == dt.date(2026, 6, 5)
    assert datasets["inspections"].newest_text == "2026-06-05"
    assert datasets["penalties"].newest is None and datasets["penalties"].updated_at is None


def test_the_footer_date_is_the_newest_dataset_update(app_context, session):
    assert data_updated_at(session) is None and freshness(session, TODAY).updated_at is None
    with time_machine.travel(dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.UTC), tick=False):
        ent = create_enterprise(session)
        record_change(session, "enterprise", ent.uscc, enterprise_id=ent.id)
        session.commit()
    assert data_updated_on(session) == dt.date(2026, 6, 30)
    # a tip-off filed later (16:30 UTC: 1 July in China) is the newest update
    with time_machine.travel(dt.datetime(2026, 6, 30, 16, 30, tzinfo=dt.UTC), tick=False):
        file_tipoff(
            session,
            TipOffInput(
                category="air",
                description="夜间排放刺鼻黑烟很严重",
                location="西固区",
                region_code="620100",
            ),
        )
        session.commit()
    fresh = freshness(session, TODAY)
    assert data_updated_at(session) == fresh.updated_at
    assert data_updated_on(session) == dt.date(2026, 7, 1)
    datasets = _by_key(fresh)
    assert datasets["tipoffs"].newest == dt.date(2026, 7, 1)
    assert datasets["enterprises"].updated_at == dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.UTC)
