"""`flask grids …`: import surveyed outlines, generate cells, assign members."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from core.cli import ProgressBar, cli_actor, transaction
from credit.grids.members import ROLE_LABELS, assign_member, unassign_member
from credit.grids.models import GRID_ROLES, MAX_CELL_KM, MIN_CELL_KM

grids_cli = AppGroup("grids", help="网格 / Supervision grids.")
MAX_SHOWN = 200
MAX_BYTES = 200 * 1024 * 1024


def _read_geojson(file: Path) -> object:
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"文件超过 200 MB / file larger than 200 MB: {file.name}")
    try:
        return json.loads(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException("文件不是 UTF-8 编码 / the file is not UTF-8") from None
    except ValueError as exc:
        raise click.ClickException(f"文件不是有效的 JSON / not valid JSON: {exc}") from None


@grids_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cmd(file: Path) -> None:
    """Import grid outlines from a GeoJSON FeatureCollection; nothing is stored on any error."""
    from credit.freshness.import_log import log_import
    from credit.grids.importing import import_grids  # shapely loads with the command

    collection = _read_geojson(file)
    total = len(collection.get("features") or []) if isinstance(collection, dict) else None
    with transaction() as session:
        with ProgressBar(total, "import grids") as bar:
            result = import_grids(
                session, collection, cli_actor(), f"file:{file.name}", advance=bar.advance
            )
        if result.errors:
            for error in result.errors[:MAX_SHOWN]:
                click.echo(str(error), err=True)
            more = len(result.errors) - MAX_SHOWN
            if more > 0:
                click.echo(f"… 另有 {more} 个错误 / and {more} more errors", err=True)
            raise click.ClickException(
                f"导入失败，共 {len(result.errors)} 个错误，未保存任何网格 / import failed "
                f"with {len(result.errors)} errors; no grid was stored"
            )
        log_import(session, "grids", "file", file.name, result)
    click.echo(
        f"导入完成 / imported grids: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@grids_cli.command("assign")
@click.option("--grid", "code", required=True, help="grid code")
@click.option("--user", "email", required=True, help="the user's e-mail")
@click.option(
    "--role",
    type=click.Choice(GRID_ROLES),
    required=True,
    help="; ".join(f"{k} {v}" for k, v in ROLE_LABELS.items()),
)
def assign_cmd(code: str, email: str, role: str) -> None:
    """Make a user a member of a grid with a role (changes the role of a member)."""
    with transaction() as session:
        assign_member(session, code, email, role, cli_actor())
    click.echo(f"{email} → {code}: {ROLE_LABELS[role]} / {role}")


@grids_cli.command("unassign")
@click.option("--grid", "code", required=True, help="grid code")
@click.option("--user", "email", required=True, help="the user's e-mail")
def unassign_cmd(code: str, email: str) -> None:
    """Remove a user from a grid."""
    with transaction() as session:
        unassign_member(session, code, email, cli_actor())
    click.echo(f"{email} ✕ {code}")


@grids_cli.command("generate")
@click.option("--region", "region_code", required=True, help="GB/T 2260 county code")
@click.option(
    "--cell-km",
    type=click.FloatRange(MIN_CELL_KM, MAX_CELL_KM),
    required=True,
    help="side of a square cell in km",
)
@click.option(
    "--parent", "parent_code", default=None, help="cut this grid (else the region's boundary)"
)
def generate_cmd(region_code: str, cell_km: float, parent_code: str | None) -> None:
    """Cover a grid (or a region's boundary) with regular square cells, clipped to it."""
    from credit.grids.generating import generate_cells  # shapely loads with the command
    from credit.places.boundaries import region_polygon

    outline = None if parent_code else region_polygon(region_code)
    if outline is None and not parent_code:
        raise click.ClickException(
            f"没有行政区划 {region_code} 的边界 / no boundary for region {region_code}"
        )
    with transaction() as session:
        cells = generate_cells(
            session, region_code, cell_km, cli_actor(), outline=outline, parent_code=parent_code
        )
    click.echo(f"生成网格 / generated {len(cells)} cells under {parent_code or region_code}")
