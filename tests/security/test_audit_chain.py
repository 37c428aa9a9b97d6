"""The audit log is an HMAC chain under AUDIT_KEY; `flask audit verify` finds tampering, even
by someone who rewrites every hash, and an installation never goes back to plain hashes."""

from __future__ import annotations

import datetime as dt
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from core.audit import (
    GENESIS,
    KEYED,
    PLAIN,
    AuditEvent,
    AuditHead,
    AuditKeyMismatch,
    audit,
    keyed_hash,
    legacy_hash,
    verify_chain,
)


def _write_events(session, n: int = 3) -> None:
    for i in range(n):
        audit(session, "tester", "thing.do", f"thing:{i}", {"i": i})
        session.commit()


def _rows(session) -> list[dict]:
    return [
        dict(r._mapping)
        for r in session.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq))
    ]


def _rewrite(session, rows: list[dict], hasher, start: int = 1, **head) -> None:
    """What an attacker with database access does: renumber from 1, re-hash with ``hasher``
    from row ``start`` on (rows before it keep their hashes), and update audit_head."""
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        row["seq"] = seq
        if seq >= start:
            row["prev_hash"] = prev
            row["hash"] = hasher(
                prev, seq, row["at"], row["actor"], row["action"], row["subject"], row["detail"]
            )
        prev = row["hash"]
    session.execute(delete(AuditEvent))
    session.execute(insert(AuditEvent), rows)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=len(rows), hash=prev, **head)
    )
    session.commit()


def _legacy_chain(session, n: int) -> None:
    """A chain as written before AUDIT_KEY existed (plain SHA-256, scheme 'sha256')."""
    now = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
    rows = [
        {
            "at": now + dt.timedelta(minutes=i),
            "actor": f"user:{i % 3 + 1}",
            "action": "adjustment.approved",
            "subject": f"adjustment:{i}",
            "detail": {"i": i},
            "prev_hash": "",
            "hash": "",
        }
        for i in range(n)
    ]
    _rewrite(session, rows, legacy_hash, scheme=PLAIN, key_id=None)


def _marker(app) -> Path:
    return Path(app.config["ENVCREDIT_INSTANCE"], "audit_chain")


def test_chain_verifies(session):
    _write_events(session)
    result = verify_chain(session)
    assert result.ok and result.checked == 3 and result.scheme == KEYED


def test_rows_are_hmac_under_the_audit_key_not_plain_sha256(app, session):
    _write_events(session, 2)
    key = str(app.config["AUDIT_KEY"]).encode()
    for row in _rows(session):
        args = (
            row["prev_hash"],
            row["seq"],
            row["at"],
            row["actor"],
            row["action"],
            row["subject"],
            row["detail"],
        )
        assert row["hash"] == keyed_hash(key, *args) != legacy_hash(*args)
    head = session.get(AuditHead, 1)
    assert head.scheme == KEYED and head.key_id and head.key_id not in str(key)


def test_cli_names_the_first_tampered_row(session, runner):
    _write_events(session)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(detail={"i": 99}))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 2" in result.output


def test_deleting_a_row_breaks_the_chain(session):
    _write_events(session)
    session.query(AuditEvent).filter(AuditEvent.seq == 2).delete()
    session.commit()
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == 2 and "missing" in result.reason


@pytest.mark.parametrize("start", [1, 50], ids=["every-hash", "from-row-50"])
def test_review_attack_delete_renumber_rehash_is_detected(session, runner, start):
    """Security review row 114: delete row 50, renumber, forge an approver, recompute the
    hashes with the published (formerly unkeyed) algorithm and update audit_head."""
    _write_events(session, 86)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    rows = [r for r in _rows(session) if r["seq"] != 50]
    rows[75]["actor"] = "user:3"  # the forged approver (row 77 once renumbered)
    _rewrite(session, rows, legacy_hash, start=start)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at seq {start}" in result.output and "HMAC" in result.output


def test_rewriting_the_chain_as_legacy_plain_is_refused(app, session, runner):
    """The downgrade: every row re-hashed plain and the head flagged 'sha256' again."""
    _write_events(session, 5)
    assert _marker(app).exists()
    _rewrite(session, _rows(session), legacy_hash, scheme=PLAIN, key_id=None)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at seq 1" in result.output
    assert "plain SHA-256" in result.output
    _write_events(session, 1)  # writing on does not launder it into a keyed chain
    new = _rows(session)[-1]
    assert new["hash"] == keyed_hash(
        str(app.config["AUDIT_KEY"]).encode(),
        new["prev_hash"],
        new["seq"],
        new["at"],
        new["actor"],
        new["action"],
        new["subject"],
        new["detail"],
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at seq 1" in result.output
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.action == "audit.rekey")) is None
    )


def test_flipping_only_the_flag_is_reported(app, session, runner):
    _write_events(session, 2)
    session.execute(update(AuditHead).values(scheme=PLAIN))
    session.commit()
    result = verify_chain(session)
    assert not result.ok and "downgrade" in result.reason


def test_legacy_chain_is_verified_and_rekeyed_by_the_first_write(app, session, runner):
    _legacy_chain(session, 40)
    assert not _marker(app).exists()
    _write_events(session, 1)
    head = session.get(AuditHead, 1)
    assert (head.seq, head.scheme) == (42, KEYED)  # 40 legacy + audit.rekey + the new one
    rekey = session.scalar(select(AuditEvent).where(AuditEvent.seq == 41))
    assert rekey.action == "audit.rekey" and rekey.detail["legacy_events"] == 40
    key = str(app.config["AUDIT_KEY"]).encode()
    first = _rows(session)[0]
    assert first["hash"] == keyed_hash(
        key,
        GENESIS,
        1,
        first["at"],
        first["actor"],
        first["action"],
        first["subject"],
        first["detail"],
    )
    assert verify_chain(session).ok
    assert stat.S_IMODE(_marker(app).stat().st_mode) == 0o600
    # from now on plain hashes never verify again
    _rewrite(session, _rows(session), legacy_hash, scheme=PLAIN, key_id=None)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_verify_rekeys_a_legacy_chain_on_first_use_of_the_key(session, runner):
    _legacy_chain(session, 5)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 6 events (hmac-sha256" in result.output
    assert session.get(AuditHead, 1).scheme == KEYED


def test_tampered_legacy_chain_is_never_rekeyed(app, session, runner):
    _legacy_chain(session, 5)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="user:9"))
    session.commit()
    _write_events(session, 2)  # audited work goes on ...
    session.expire_all()
    head = session.get(AuditHead, 1)
    assert (head.seq, head.scheme) == (7, PLAIN)  # ... but the chain is not laundered
    assert not _marker(app).exists()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at seq 2" in result.output
    assert session.get(AuditHead, 1).scheme == PLAIN


def test_anchor_prints_the_head_and_verify_checks_it(session, runner):
    _write_events(session, 6)
    printed = runner.invoke(args=["audit", "anchor"])
    assert printed.exit_code == 0
    anchor = printed.stdout.split()[0]
    head = session.get(AuditHead, 1)
    assert anchor == f"6:{head.hash}" and re.search(r"\d{4}-\d\d-\d\dT", printed.stdout)
    ok = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert ok.exit_code == 0 and "1 anchor(s) found" in ok.output
    # cutting rows off the end keeps every HMAC valid: only an anchor shows it
    session.execute(delete(AuditEvent).where(AuditEvent.seq > 4))
    row4 = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 4))
    session.execute(update(AuditHead).values(seq=4, hash=row4))
    session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    cut = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert cut.exit_code == 1 and "past the chain head 4" in cut.output
    wrong = runner.invoke(args=["audit", "verify", "--anchor", f"3:{'a' * 64}"])
    assert wrong.exit_code == 1 and "BROKEN at seq 3" in wrong.output
    assert runner.invoke(args=["audit", "verify", "--anchor", "3:xyz"]).exit_code == 2


def test_anchor_refuses_a_broken_chain(session, runner):
    _write_events(session, 3)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="x"))
    session.commit()
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 1 and result.stdout == ""


def test_rows_after_the_head_are_reported(session):
    _write_events(session, 2)
    row = _rows(session)[-1]
    session.execute(insert(AuditEvent), [{**row, "seq": 3, "prev_hash": row["hash"]}])
    session.commit()
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == 3 and "after the chain head" in result.reason


def test_a_different_audit_key_is_named_and_writes_nothing(app_config, session, tmp_path):
    from wsgi import create_app

    _write_events(session, 2)
    other = create_app(
        {**app_config, "AUDIT_KEY": "not-the-key", "ENVCREDIT_INSTANCE": str(tmp_path / "other")}
    )
    try:
        result = other.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 1 and "AUDIT_KEY is not the key" in result.output
        s = other.extensions["envcredit.db"].new_session()
        audit(s, "tester", "thing.do", "thing:x")
        with pytest.raises(AuditKeyMismatch):
            s.commit()
        s.rollback()
        s.close()
    finally:
        other.extensions["envcredit.db"].dispose()
    session.expire_all()
    assert session.get(AuditHead, 1).seq == 2 and verify_chain(session).ok


def test_migration_marks_existing_chains_legacy_and_empty_ones_keyed(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, text

    from core import migrate

    urls = [f"sqlite:///{tmp_path / name}" for name in ("old.sqlite3", "new.sqlite3")]
    for url in urls:
        command.upgrade(migrate.alembic_config(url), "0004")
    engine = create_engine(urls[0])
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": "ab" * 32})
    engine.dispose()
    schemes = []
    for url in urls:
        command.upgrade(migrate.alembic_config(url), "head")
        engine = create_engine(url)
        with engine.connect() as conn:
            schemes.append(conn.execute(text("SELECT scheme, key_id FROM audit_head")).one())
        engine.dispose()
    assert schemes == [(PLAIN, None), (KEYED, None)]
