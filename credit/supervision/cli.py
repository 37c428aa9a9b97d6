"""`flask cases escalate`: escalate overdue supervision cases now."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli import transaction
from credit.supervision.escalation import escalate_overdue

cases_cli = AppGroup("cases", help="监管问题线索 / supervision cases.")


@cases_cli.command("escalate")
def escalate_cmd() -> None:
    """Escalate every case overdue in its stage to the parent grid (once per stage)."""
    with transaction() as session:
        moved = escalate_overdue(session)
    click.echo(f"已升级 {moved} 件问题线索 / {moved} cases escalated")
