"""`flask credit …`: rescoring, rulebook simulation and inspection plans."""

from __future__ import annotations

import datetime as dt
import os

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.cli import ProgressBar, cli_actor, transaction
from core.clock import today as china_today
from credit.inspection_plan import create_inspection_plan, plan_rows
from credit.models import Enterprise
from credit.models.ratings import LEVELS

credit_cli = AppGroup("credit", help="信用评价 / Credit ratings and the regulators' credit work.")


@credit_cli.command("inspection-plan")
@click.option("--region", "region", required=True, help="GB/T 2260 region code, e.g. 620100")
@click.option("--count", type=int, required=True, help="how many enterprises to draw")
@click.option("--seed", type=int, required=True, help="random seed (same seed, same draw)")
def inspection_plan_cmd(region: str, count: int, seed: int) -> None:
    """Draw and save a credit-weighted random inspection plan (双随机)."""
    with transaction() as session:
        plan = create_inspection_plan(session, region, count, seed, cli_actor())
        rows = plan_rows(session, plan.id)
    click.echo(f"检查计划 / inspection plan {plan.id}: region {region}, seed {seed}, "
               f"{len(rows)} of {count} requested")
    for position, uscc, name, level in rows:
        click.echo(f"{position:>4}  {uscc}  {level or '-':<6}  {name}")


@credit_cli.command("rescore")
@click.option("--all", "everyone", is_flag=True, help="rate every enterprise, not only dirty ones")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="rate as of this date (default today; with --all only)")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="processes rating in parallel with --all (default: CPUs, at most 4)")
def rescore_cmd(everyone: bool, as_of: dt.datetime | None, jobs: int | None) -> None:
    """Rate the enterprises whose records changed (or all), storing changed ratings."""
    from credit.ratings import RescoringConsumer, active_rulebook, rescore

    day = as_of.date() if as_of else china_today()
    from credit.expiry import ExpiryConsumer

    expired = ExpiryConsumer().run_once()  # publication dates and adjustment expiries
    if expired:
        click.echo(f"{expired} 条记录的公示或调整到期 / {expired} penalties or adjustments "
                   "reached a publication or expiry date")
    if not everyone:
        if as_of:
            raise click.UsageError("--as-of 需与 --all 一起使用 / --as-of needs --all")
        applied = RescoringConsumer(current_app_rulebook()).catch_up()
        click.echo(f"已处理 {applied} 条变更 / applied {applied} change-log rows")
        return
    rulebook = active_rulebook()
    with transaction() as session:
        total = session.scalar(select(func.count()).select_from(Enterprise)) or 0
        with ProgressBar(total, "rescore") as bar:
            result = rescore(session, None, day, rulebook, advance=bar.advance,
                             jobs=jobs or min(4, os.cpu_count() or 1))
    click.echo(f"已评价 {result.rated} 家，{result.changed} 家结果变化 / rated {result.rated}, "
               f"changed {result.changed} ({rulebook.name}@{rulebook.version}, as of {day})")


def current_app_rulebook() -> str:
    from flask import current_app

    return str(current_app.config["CREDIT_RULEBOOK"])


@credit_cli.command("simulate")
@click.option("--rulebook", "name", required=True, help="candidate rulebook, e.g. jiangsu-12")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None)
def simulate_cmd(name: str, as_of: dt.datetime | None) -> None:
    """Level-transition matrix: the active rulebook's levels (rows) → NAME's (columns)."""
    from credit.ratings import active_rulebook, simulate
    from credit.rulebook import RulebookError

    try:
        candidate = active_rulebook(name)
    except (RulebookError, FileNotFoundError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    current = active_rulebook()
    day = as_of.date() if as_of else china_today()
    with transaction() as session:
        total = session.scalar(select(func.count()).select_from(Enterprise)) or 0
        with ProgressBar(total, "simulate") as bar:
            matrix = simulate(session, candidate, day, current, advance=bar.advance)
    click.echo(format_matrix(matrix, f"{current.name} → {candidate.name} ({day})"))


def format_matrix(matrix: dict[tuple[str, str], int], title: str) -> str:
    """The transition matrix as a fixed-width table with row and column totals."""
    lines = [title, "from\\to " + "".join(f"{lv:>8}" for lv in LEVELS) + f"{'total':>8}"]
    for src in LEVELS:
        counts = [matrix.get((src, dst), 0) for dst in LEVELS]
        lines.append(f"{src:<8} " + "".join(f"{n:>8}" for n in counts) + f"{sum(counts):>8}")
    totals = [sum(matrix.get((s, d), 0) for s in LEVELS) for d in LEVELS]
    lines.append(f"{'total':<8} " + "".join(f"{n:>8}" for n in totals) + f"{sum(totals):>8}")
    return "\n".join(lines)


def register_cli(app: Flask) -> None:
    app.cli.add_command(credit_cli)


def init_app(app: Flask) -> None:
    """The credit CLI and the rescoring consumer (records written anywhere get rated)."""
    from core.consumers import register_consumer
    from credit.demo.cli import register_cli as register_demo
    from credit.expiry import ExpiryConsumer
    from credit.importer.cli import register_cli as register_records
    from credit.ratings import RescoringConsumer

    register_cli(app)
    register_demo(app)
    register_records(app)
    register_consumer(app, ExpiryConsumer())
    register_consumer(app, RescoringConsumer(str(app.config["CREDIT_RULEBOOK"])))
