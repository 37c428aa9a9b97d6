"""The audit log is hash-chained and `flask audit verify` finds tampering."""

from __future__ import annotations

from sqlalchemy import update

from core.audit import AuditEvent, audit, verify_chain


def _write_events(session, n: int = 3) -> None:
    for i in range(n):
        audit(session, "tester", "thing.do", f"thing:{i}", {"i": i})
        session.commit()


def test_chain_verifies(session):
    _write_events(session)
    result = verify_chain(session)
    assert result.ok and result.checked == 3


def test_cli_names_the_first_tampered_row(session, runner):
    _write_events(session)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2)
                    .values(detail={"i": 99}))
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
