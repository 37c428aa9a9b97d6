"""A partner mirror kept incrementally from /api/v1/changes equals a fresh export after every
step of a credit file's life (partner review F1): imports, rescoring, a rename and a region
change, credit repair, the end of publication, a future decision and a future revocation,
an adjustment and its expiry, an upheld objection."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from core.clock import CHINA
from core.clock import today as china_today
from core.consumers import drain
from core.users import create_api_client
from credit.kinds import snapshots
from credit.records.models import RECORD_MODELS as _MODELS
from credit.records.models import Inspection, Penalty
from tests.factories import create_regulator, make_uscc

RECORD_MODELS = {model.entity: model for model in _MODELS}

T0 = dt.date(2026, 3, 2)
A, B, C = (make_uscc(n) for n in (9001, 9002, 9003))
Key = tuple[str, str]


class Mirror:
    """What a partner keeps: one dict of snapshots and the feed cursor, never rebuilt."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.store: dict[Key, dict[str, Any]] = {}
        self.after = 0

    def sync(self) -> None:
        while True:
            body = self.client.get(f"/api/v1/changes?after={self.after}&limit=7").get_json()
            for event in body["changes"]:
                key = (event["entity"], event["id"])
                if event["op"] == "delete":
                    self.store.pop(key, None)
                else:
                    self.store[key] = event["snapshot"]
            self.after = body["next_after"]
            if self.after >= body["last_seq"]:
                return

    def of(self, entity: str, key: str) -> dict[str, Any] | None:
        return self.store.get((entity, key))


def _export(client: Any, headers: dict[str, str]) -> dict[Key, dict[str, Any]]:
    """A fresh copy: the NDJSON exports, the paged inspection and permit lists, and the
    disclosure and emission snapshots (which have neither)."""
    out: dict[Key, dict[str, Any]] = {}
    for name, entity, key in (
        ("enterprises", "enterprise", "uscc"),
        ("ratings", "rating", "uscc"),
        ("penalties", "penalty", "id"),
    ):
        with client.get(f"/api/v1/exports/{name}.ndjson", headers=headers) as response:
            assert response.status_code == 200
            for line in response.get_data(as_text=True).splitlines():
                snap = json.loads(line)
                out[(entity, str(snap[key]))] = snap
    for path, entity in (("inspections", "inspection"), ("permits", "permit")):
        after: int | None = 0
        while after is not None:
            body = client.get(f"/api/v1/{path}?limit=2&after={after}").get_json()
            out.update(((entity, str(s["id"])), s) for s in body["items"])
            after = body["next_after"]
    return out


def _others(db: Any) -> dict[Key, dict[str, Any]]:
    session = db.new_session()
    try:
        out = {}
        for entity in ("disclosure", "emission"):
            model = RECORD_MODELS[entity]
            ids = [str(i) for i in session.scalars(select(model.id))]
            for key, snap in snapshots(session, entity, ids, china_today()).items():
                if snap is not None:
                    out[(entity, key)] = snap
        return out
    finally:
        session.close()


@pytest.fixture
def world(app, client, db, session):
    with app.app_context():
        _, key = create_api_client(session, "mirror-partner", ["exports"])
    alice = create_regulator(session, "alice@example.cn")
    bob = create_regulator(session, "bob@example.cn")
    session.commit()
    mirror = Mirror(client)
    headers = {"Authorization": f"Bearer {key}"}

    def step(name: str) -> dict[Key, dict[str, Any]]:
        """Run the consumers, follow the feed, and compare the mirror with an export."""
        with app.app_context():
            drain(app)
        mirror.sync()
        fresh = {**_export(client, headers), **_others(db)}
        differ = sorted(
            k for k in fresh.keys() | mirror.store.keys() if fresh.get(k) != mirror.store.get(k)
        )
        assert not differ, (name, [(k, mirror.store.get(k), fresh.get(k)) for k in differ[:3]])
        return fresh

    return {"mirror": mirror, "step": step, "alice": alice, "bob": bob}


def _import(app, db, kind: str, rows: list[dict[str, str]]) -> None:
    from credit.records.importing import import_rows

    with app.app_context():
        session = db.new_session()
        result = import_rows(session, kind, enumerate(rows, start=2))
        assert result.ok, result.errors
        session.commit()
        session.close()


def _enterprise(uscc: str, name: str, region: str = "620100") -> dict[str, str]:
    return {"uscc": uscc, "name": name, "region_code": region, "industry_code": "C26"}


def _penalty(no: int, uscc: str, decided: dt.date, **more: str) -> dict[str, str]:
    return {
        "decision_no": f"兰环罚〔2026〕{no}号",
        "uscc": uscc,
        "violation_type": "超标排放",
        "facts": "经查，二氧化硫排放浓度超标。",
        "legal_basis": "大气法第九十九条",
        "penalty_kinds": "罚款",
        "fine_amount": "120000",
        "decision_date": decided.isoformat(),
        "authority": "兰州市生态环境局",
        "severity": "一般",
        **more,
    }


def _days(n: int) -> str:
    return (T0 + dt.timedelta(days=n)).isoformat()


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), CHINA)


def _import_records(app, db) -> None:
    _import(
        app,
        db,
        "penalties",
        [
            _penalty(1, A, T0 - dt.timedelta(days=120)),  # repaired later
            _penalty(2, A, T0 - dt.timedelta(days=80), severity="轻微"),  # ends at T0+10
            _penalty(3, B, T0 - dt.timedelta(days=10), revoked_at=_days(12)),
            _penalty(4, B, T0 + dt.timedelta(days=5)),
        ],
    )  # decided (published) in 5 days
    _import(
        app,
        db,
        "inspections",
        [
            {
                "ref": "JC-1",
                "uscc": B,
                "date": _days(-3),
                "agency": "兰州市生态环境局",
                "kind": "random",
                "outcome": "issues_found",
                "findings": "台账缺失",
            }
        ],
    )
    _import(
        app,
        db,
        "permits",
        [
            {
                "permit_no": f"{A}001P",
                "uscc": A,
                "category": "key",
                "valid_from": "2024-01-01",
                "valid_until": "2028-12-31",
                "limits": "SO2=12.5;NOx=30",
            }
        ],
    )
    _import(
        app,
        db,
        "disclosures",
        [
            {
                "uscc": A,
                "year": "2025",
                "submitted_at": _days(-30),
                "url": "https://example.cn/a-2025",
            }
        ],
    )
    _import(
        app,
        db,
        "emissions",
        [
            {
                "uscc": B,
                "year": "2025",
                "pollutant": "SO2",
                "generated_tonnes": "40",
                "removal_efficiency": "0.9",
                "operating_rate": "0.95",
            }
        ],
    )


def _embedded(mirror: Mirror, uscc: str, column: str) -> set[str]:
    return {
        s[column]
        for (entity, _), s in mirror.store.items()
        if entity in RECORD_MODELS and s["uscc"] == uscc
    }


def test_an_incremental_mirror_equals_a_fresh_export_after_every_step(app, db, session, world):
    mirror, step = world["mirror"], world["step"]
    with time_machine.travel(_at(T0), tick=True) as clock:
        _import(
            app,
            db,
            "enterprises",
            [
                _enterprise(A, "兰州甲化工有限公司"),
                _enterprise(B, "兰州乙冶炼有限公司"),
                _enterprise(C, "兰州丙制药有限公司"),
            ],
        )
        first = step("enterprises imported and rated")
        _import_records(app, db)
        mirror.sync()  # the records are there, the ratings not yet recomputed
        rated = step("records imported, rescored")
        assert all(
            rated[("enterprise", u)]["level"] != first[("enterprise", u)]["level"] for u in (A, B)
        )
        # review step 3b: a penalty moves C's rating; the mirrored enterprise follows it
        _import(app, db, "penalties", [_penalty(5, C, T0 - dt.timedelta(days=1))])
        fresh = step("3b: penalty for C")
        assert fresh[("enterprise", C)]["level"] != first[("enterprise", C)]["level"]
        _import(
            app,
            db,
            "enterprises",
            [
                _enterprise(A, "兰州甲新材料有限公司"),
                _enterprise(B, "兰州乙冶炼有限公司", "620102"),
            ],
        )
        step("A renamed, B moved to 620102")
        assert _embedded(mirror, A, "enterprise_name") == {"兰州甲新材料有限公司"}
        assert _embedded(mirror, B, "region_code") == {"620102"}
        _repair(session, world["alice"], "兰环罚〔2026〕1号")
        step("penalty 1 repaired")
        clock.move_to(_at(T0 + dt.timedelta(days=15)))
        dated = step("publication of 2 ended, 3 revoked, 4 decided")
        assert {s["decision_no"] for (e, _), s in dated.items() if e == "penalty"} == {
            "兰环罚〔2026〕4号",
            "兰环罚〔2026〕5号",
        }
        level = _adjust(session, world, A, expires=T0 + dt.timedelta(days=30))
        adjusted = step("A adjusted")
        assert adjusted[("enterprise", A)]["level"] == level == mirror.of("rating", A)["level"]
        clock.move_to(_at(T0 + dt.timedelta(days=31)))
        expired = step("A's adjustment expired")
        assert expired[("rating", A)]["adjustment"] is None
        assert expired[("enterprise", A)]["level"] == expired[("rating", A)]["computed_level"]
        _uphold(session, world["alice"], B)
        upheld = step("objection to B's inspection upheld")
        assert not [k for k in upheld if k[0] == "inspection"]


def _repair(session, regulator, decision_no: str) -> None:
    from credit.cases.repairs import apply_for_repair, decide_repair

    penalty = session.scalar(select(Penalty).where(Penalty.decision_no == decision_no))
    application = apply_for_repair(
        session,
        penalty,
        reason="已整改完毕",
        commitment="守法承诺",
        contact="repair-contact",
        today=china_today(),
    )
    decide_repair(session, regulator, application.id, approve=True, note=None, today=china_today())
    session.commit()


def _adjust(session, world, uscc: str, expires: dt.date) -> str:
    from credit.cases.adjustments import decide_adjustment, propose_adjustment
    from credit.ratings.models import CreditRating
    from credit.records.models import Enterprise

    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    current = session.scalar(
        select(CreditRating.level).where(
            CreditRating.enterprise_id == ent.id, CreditRating.is_current
        )
    )
    to_level = "red" if current != "red" else "yellow"
    proposal = propose_adjustment(
        session,
        world["alice"],
        ent,
        to_level=to_level,
        reason="现场检查发现问题",
        evidence=None,
        expires_at=expires,
        today=china_today(),
    )
    session.commit()
    decide_adjustment(session, world["bob"], proposal.id, approve=True)
    session.commit()
    return to_level


def _uphold(session, regulator, uscc: str) -> None:
    from credit.cases.objections import decide_objection, file_objection
    from credit.records.models import Enterprise

    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    inspection = session.scalar(select(Inspection).where(Inspection.enterprise_id == ent.id))
    objection = file_objection(
        session,
        ent,
        target_type="inspection",
        target_id=inspection.id,
        claim="检查记录有误",
        contact="objection-contact",
        today=china_today(),
    )
    session.commit()
    decide_objection(
        session,
        regulator,
        objection.id,
        uphold=True,
        decision="经复核，记录有误",
        today=china_today(),
    )
    session.commit()


def test_review_step_3b_an_imported_penalty_moves_the_mirrored_enterprise(app, db, client):
    """Partner review F1, step 3b: import a penalty, the rating changes, and the mirrored
    enterprise (level, level_name, score, updated_at) must change with it."""
    mirror = Mirror(client)
    with time_machine.travel(_at(T0), tick=True):
        _import(app, db, "enterprises", [_enterprise(C, "兰州丙制药有限公司")])
        with app.app_context():
            drain(app)
        mirror.sync()
        before = dict(mirror.of("enterprise", C))
        _import(app, db, "penalties", [_penalty(9002, C, T0 - dt.timedelta(days=1))])
        with app.app_context():
            drain(app)
        mirror.sync()
    now = client.get(f"/api/v1/enterprises/{C}").get_json()
    assert mirror.of("enterprise", C) == now
    assert (now["level"], now["score"]) != (before["level"], before["score"])
    assert now["level_name"] != before["level_name"] and now["updated_at"] > before["updated_at"]
