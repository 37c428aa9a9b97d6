"""Demo data: deterministic, valid, realistic, with change-log rows; loads only when empty."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from stdnum.cn import uscc as stdnum_uscc

from core.changelog import ChangeLog
from core.reference import uscc_problem
from credit.demo.generate import Places, generate
from credit.demo.load import demo_places
from credit.places.boundaries import county_at
from credit.records.emissions import emitted_tonnes
from credit.records.models import EmissionAccount, Enterprise, Penalty, Permit

PLACES = Places(
    {"620100": ["620102", "620103"], "110000": ["110101"]},
    {"C26": ["C26", "C2611"], "D44": ["D44"]},
)


def _flatten(places: Places, n: int, seed: int) -> list:
    return [
        (t, sorted(r.items()))
        for rows in generate(places, n, seed, chunk=7)
        for t, table in rows.items()
        for r in table
    ]


def test_same_seed_gives_identical_rows_and_other_seeds_differ():
    assert _flatten(PLACES, 40, 3) == _flatten(PLACES, 40, 3)
    assert _flatten(PLACES, 40, 3) != _flatten(PLACES, 40, 4)


def test_generated_codes_are_valid_and_unique():
    rows = [r for chunk in generate(PLACES, 300, 1) for r in chunk["enterprises"]]
    usccs = [r["uscc"] for r in rows]
    assert len(set(usccs)) == 300
    assert all(uscc_problem(u) is None and stdnum_uscc.is_valid(u) for u in usccs)
    permits = [p for chunk in generate(PLACES, 300, 1) for p in chunk["permits"]]
    by_id = {r["id"]: r["uscc"] for r in rows}
    assert all(
        p["permit_no"].startswith(by_id[p["enterprise_id"]]) and len(p["permit_no"]) == 22
        for p in permits
    )


def _checksum(session) -> str:
    digest = hashlib.sha256()
    for model in (Enterprise, Permit, Penalty, EmissionAccount):
        for row in session.execute(select(model).order_by(model.id)).scalars():
            digest.update(
                repr(
                    sorted(
                        (k, v)
                        for k, v in vars(row).items()
                        if not k.startswith("_") and k not in {"created_at", "updated_at"}
                    )
                ).encode()
            )
    return digest.hexdigest()


def test_cli_loads_realistic_data_with_change_log(runner, session):
    result = runner.invoke(args=["demo", "load", "--enterprises", "60", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 60
    records = sum(
        session.scalar(select(func.count()).select_from(m))
        for m in (Permit, Penalty, EmissionAccount)
    )
    assert records > 60
    changes = session.scalar(select(func.count()).select_from(ChangeLog))
    assert changes >= 60 + records
    for account in session.scalars(select(EmissionAccount)):
        assert account.emitted_tonnes == emitted_tonnes(
            account.generated_tonnes, account.removal_efficiency, account.operating_rate
        )
    assert session.scalar(select(func.count()).where(Penalty.facts.like("%经%"))) > 0
    checksum = _checksum(session)
    again = runner.invoke(args=["demo", "load", "--enterprises", "60", "--seed", "5"])
    assert again.exit_code != 0 and "empty" in again.output
    skip = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skip.exit_code == 0 and "skipped" in skip.output
    assert _checksum(session) == checksum
    from tests.factories import create_enterprise, create_penalty

    create_penalty(session, create_enterprise(session))  # id sequences moved past the demo ids
    session.commit()


def test_seed_places_come_from_the_reference_tables(session):
    places = demo_places(session)
    assert "620102" in places.counties["620100"]
    assert "C2611" in places.industries["C26"] and "C26" in places.industries["C26"]


def test_demo_enterprises_lie_inside_their_own_county_by_seed():
    first = [e for rows in generate(PLACES, 60, 5, chunk=7) for e in rows["enterprises"]]
    again = [e for rows in generate(PLACES, 60, 5, chunk=7) for e in rows["enterprises"]]
    assert first == again
    assert {e["region_code"] for e in first} == {"620102", "620103", "110101"}
    for ent in first:  # before, a 东城区 enterprise could sit in 海淀区
        assert county_at(float(ent["longitude"]), float(ent["latitude"])) == ent["region_code"]
