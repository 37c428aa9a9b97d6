"""`flask credit …`: rescoring and rulebook simulation (inspection plans: credit.cases.cli)."""

from __future__ import annotations

import datetime as dt
import os

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.cli import ProgressBar, transaction
from core.clock import today as china_today
from credit.ratings.levels import LEVELS
from credit.records.models import Enterprise

credit_cli = AppGroup("credit", help="信用评价 / Credit ratings and the regulators' credit work.")


@credit_cli.command("rescore")
@click.option("--all", "everyone", is_flag=True, help="rate every enterprise, not only dirty ones")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="rate as of this date (default today; with --all only)",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="processes rating in parallel with --all (default: CPUs, at most 4)",
)
def rescore_cmd(everyone: bool, as_of: dt.datetime | None, jobs: int | None) -> None:
    """Rate the enterprises whose records changed (or all), storing changed ratings."""
    from credit.ratings.loader import active_rulebook
    from credit.ratings.rescoring import RescoringConsumer, rescore

    day = as_of.date() if as_of else china_today()
    from credit.ratings.expiry import ExpiryConsumer

    expired = ExpiryConsumer().run_once()  # publication dates and adjustment expiries
    if expired:
        click.echo(
            f"{expired} 条记录的公示或调整到期 / {expired} penalties or adjustments "
            "reached a publication or expiry date"
        )
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
            result = rescore(
                session,
                None,
                day,
                rulebook,
                advance=bar.advance,
                jobs=jobs or min(4, os.cpu_count() or 1),
            )
    click.echo(
        f"已评价 {result.rated} 家，{result.changed} 家结果变化 / rated {result.rated}, "
        f"changed {result.changed} ({rulebook.name}@{rulebook.version}, as of {day})"
    )


def current_app_rulebook() -> str:
    from flask import current_app

    return str(current_app.config["CREDIT_RULEBOOK"])


@credit_cli.command("simulate")
@click.option("--rulebook", "name", required=True, help="candidate rulebook, e.g. jiangsu-12")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None)
def simulate_cmd(name: str, as_of: dt.datetime | None) -> None:
    """Level-transition matrix: the active rulebook's levels (rows) → NAME's (columns)."""
    from credit.ratings.loader import active_rulebook
    from credit.ratings.rules import RulebookError
    from credit.ratings.simulation import simulate

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
