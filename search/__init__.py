"""Full-text search of enterprises and penalty notices: an index derived from the database and
kept equal to it by a change-log consumer (``search.indexer``).

Four backends, chosen by ``SEARCH_BACKEND``: ``sqlite`` (the default: an SQLite FTS5 file in
``INDEX_DIR``), ``tantivy`` (a Tantivy index in ``INDEX_DIR/tantivy``), ``whoosh`` (a Whoosh
index in ``INDEX_DIR``) and ``postgres`` (a GIN-indexed table in the app's PostgreSQL
database, for several hosts). ``init_app`` wires the backend,
the indexer, the /healthz lag and the ``flask search`` commands.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

search_cli = AppGroup("search", help="全文检索 / The search index.")


def make_backend(app: Flask) -> Any:
    """The backend chosen by ``SEARCH_BACKEND``: sqlite (the default), tantivy, whoosh or
    postgres."""
    kind = str(app.config.get("SEARCH_BACKEND") or "sqlite").lower()
    if kind == "sqlite":
        from search.sqlite_backend import SqliteBackend

        return SqliteBackend(app.config["INDEX_DIR"])
    if kind == "tantivy":
        from search.tantivy_backend import TantivyBackend

        return TantivyBackend(app.config["INDEX_DIR"])
    if kind == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(app.config["INDEX_DIR"])
    if kind == "postgres":
        from search.postgres_backend import PostgresBackend

        return PostgresBackend(app.extensions["envcredit.db"])
    raise RuntimeError(
        f"SEARCH_BACKEND 只能是 sqlite、tantivy、whoosh 或 postgres / SEARCH_BACKEND "
        f"must be sqlite, tantivy, whoosh or postgres, not {kind!r}"
    )


def _lag() -> dict[str, Any]:
    from core.changelog import get_watermark, last_seq
    from core.db import get_session

    session = get_session()
    head = last_seq(session)
    done = get_watermark(session, "search")
    return {
        "backend": current_app.extensions["envcredit.search"].name,
        "lag": max(0, head - done),
        "indexed_seq": done,
    }


@search_cli.command("rebuild")
def rebuild_cmd() -> None:
    """Recreate the index from the database (progress bar on a terminal)."""
    from sqlalchemy import func, select

    from core.cli import ProgressBar, transaction
    from credit.records.models import Enterprise, Penalty
    from search.indexer import rebuild

    with transaction() as session:
        total = sum(
            session.scalar(select(func.count()).select_from(m)) or 0 for m in (Enterprise, Penalty)
        )
        with ProgressBar(total, "search rebuild") as bar:
            count = rebuild(session, current_app.extensions["envcredit.search"], bar.advance)
    click.echo(f"索引已重建 / index rebuilt: {count} documents")


@search_cli.command("catch-up")
@click.pass_context
def catch_up_cmd(ctx: click.Context) -> None:
    """Apply change-log rows not yet indexed (rebuilds when the index is missing)."""
    from core.changelog import get_watermark
    from core.db import get_db
    from search.indexer import NAME, SearchIndexer

    backend = current_app.extensions["envcredit.search"]
    session = get_db().new_session()
    try:
        lost = backend.count() == 0 and get_watermark(session, NAME) > 0
    finally:
        session.close()
    if lost:
        click.echo("索引为空，正在重建 / the index is empty: rebuilding", err=True)
        ctx.invoke(rebuild_cmd)
        return
    applied = SearchIndexer(backend).catch_up()
    click.echo(f"已索引 {applied} 条变更 / applied {applied} change-log rows")


def init_app(app: Flask) -> None:
    """Backend, indexer consumer, /healthz lag and the `search` commands."""
    from core.consumers import register_consumer
    from core.web import register_health
    from search.analysis import init_jieba
    from search.indexer import SearchIndexer

    init_jieba()
    backend = make_backend(app)
    app.extensions["envcredit.search"] = backend
    register_consumer(app, SearchIndexer(backend))
    register_health(app, "search", _lag)
    app.cli.add_command(search_cli)
