"""A report merged into another sees the original's case-level steps only (security I4,
row 128): never the other reporter's reward, additions or reopen requests."""

from __future__ import annotations

import pytest

from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.outcome import close_tipoff, decide_reopen, mark_duplicate
from credit.tipoffs.tracking import add_information, request_reopen, track
from credit.tipoffs.vocabulary import CASE_EVENTS, EVENT_NAMES
from credit.tipoffs.workflow import (
    accept_tipoff,
    assign_tipoff,
    classify_tipoff,
    extend_tipoff,
    set_reward_eligible,
    start_investigation,
)

#: the steps that concern one reporter: they stay on that reporter's own report
REPORTER_EVENTS = {
    "received",
    "reporter_info",
    "reward",
    "duplicate",
    "reopen_requested",
    "reopened",
    "reopen_declined",
}


def _file(session, description: str, **kw):
    return file_tipoff(
        session,
        TipOffInput(
            category="air", description=description, location="西固区", region_code="620100", **kw
        ),
    )


def test_every_event_kind_is_either_case_level_or_reporter_level():
    assert set(EVENT_NAMES) == CASE_EVENTS | REPORTER_EVENTS
    assert not CASE_EVENTS & REPORTER_EVENTS


@pytest.fixture
def merged(app_context, session, regulator):
    """Row 128: a handled, rewarded, reopen-requested original and a report merged into it."""
    original = _file(
        session,
        "化工厂夜间排放黑烟，原举报人",
        anonymous=False,
        reporter_name="原举报人甲",
        reporter_phone="13900000001",
    )
    add_information(session, original.tracking_code, original.secret, "原举报人补充：烟囱在北侧")
    tid = original.tipoff.id
    accept_tipoff(session, regulator, tid)
    classify_tipoff(session, regulator, tid, severity="major")
    assign_tipoff(session, regulator, tid, assignee_id=regulator.id)
    start_investigation(session, regulator, tid)
    extend_tipoff(session, regulator, tid, days=10, reason="等待检测报告")
    close_tipoff(
        session, regulator, tid, outcome="查实超标排放，已立案", substantiated=True, confirmed=True
    )
    set_reward_eligible(session, regulator, tid, eligible=True)
    request_reopen(session, original.tracking_code, original.secret, "整改后仍在排放，请再查")
    decide_reopen(session, regulator, tid, reopen=False, note="已复核，维持原结果", confirmed=True)
    newcomer = _file(session, "同一家工厂又在冒黑烟，新举报人")
    mark_duplicate(
        session, regulator, newcomer.tipoff.id, original=original.tracking_code, confirmed=True
    )
    return original, newcomer


def test_a_merged_report_shows_the_original_case_steps_only(session, merged):
    _, newcomer = merged
    view = track(session, newcomer.tracking_code, newcomer.secret)
    kinds = [e["kind"] for e in view["timeline"]]
    assert view["merged"] and view["status"] == "closed" and view["substantiated"] is True
    assert sorted(kinds) == sorted(
        [
            "received",
            "duplicate",
            "accepted",
            "classified",
            "assigned",
            "investigating",
            "extended",
            "closed",
        ]
    )
    notes = " ".join(str(e["note"]) for e in view["timeline"])
    for other in ("有奖举报", "原举报人补充", "整改后仍在排放", "维持原结果"):
        assert other not in notes
    assert view["reward_eligible"] is False and view["reopen_requested"] is False


def test_the_original_reporter_still_sees_their_own_steps(session, merged):
    original, _ = merged
    kinds = {e["kind"] for e in track(session, original.tracking_code, original.secret)["timeline"]}
    assert {"reward", "reporter_info", "reopen_requested", "reopen_declined"} <= kinds
    assert "duplicate" not in kinds
