"""``flask enterprises invite USCC``: a manager's one-time activation code, printed once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli import cli_actor, transaction

enterprises_cli = AppGroup("enterprises", help="企业账户 / Enterprise accounts.")


@enterprises_cli.command("invite")
@click.argument("uscc")
def invite_cmd(uscc: str) -> None:
    """Print a one-time activation code for the enterprise's manager account."""
    from credit.enterprise_accounts.activation import (
        ACTIVATION_DAYS,
        enterprise_by_uscc,
        issue_code,
    )

    with transaction() as session:
        enterprise = enterprise_by_uscc(session, uscc)
        code = issue_code(session, enterprise, "enterprise_manager", cli_actor())
    click.echo(code)
    click.echo(
        f"{enterprise.name}：凭此码在 /enterprise/activate 开通企业管理员账户，"
        f"{ACTIVATION_DAYS} 天内有效，仅可使用一次 / activation code for the enterprise's "
        f"manager account at /enterprise/activate, valid {ACTIVATION_DAYS} days, once",
        err=True,
    )
