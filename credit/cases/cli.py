"""`flask credit inspection-plan`: the credit-weighted random inspection draw (双随机)."""

from __future__ import annotations

import click

from core.cli import cli_actor, transaction
from credit.cases.inspection_plans import create_inspection_plan, plan_rows
from credit.ratings.cli import credit_cli


@credit_cli.command("inspection-plan")
@click.option("--region", "region", required=True, help="GB/T 2260 region code, e.g. 620100")
@click.option("--count", type=int, required=True, help="how many enterprises to draw")
@click.option("--seed", type=int, required=True, help="random seed (same seed, same draw)")
def inspection_plan_cmd(region: str, count: int, seed: int) -> None:
    """Draw and save a credit-weighted random inspection plan (双随机)."""
    with transaction() as session:
        plan = create_inspection_plan(session, region, count, seed, cli_actor())
        rows = plan_rows(session, plan.id)
    click.echo(
        f"检查计划 / inspection plan {plan.id}: region {region}, seed {seed}, "
        f"{len(rows)} of {count} requested"
    )
    for position, uscc, name, level in rows:
        click.echo(f"{position:>4}  {uscc}  {level or '-':<6}  {name}")
