"""What changed since the previous release: rows per dataset and their deltas, the change-log
rows in between (per entity), the rulebook if it changed, and the operator's note; written as
the release's ``CHANGELOG.md`` entry and kept in its data package."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.changelog import ChangeLog
from credit.releases.store import Release


def change_counts(session: Session, after: int, upto: int) -> dict[str, int]:
    """Change-log rows with ``after < seq <= upto``, per entity."""
    rows = session.execute(
        select(ChangeLog.entity, func.count())
        .where(ChangeLog.seq > after, ChangeLog.seq <= upto)
        .group_by(ChangeLog.entity)
        .order_by(ChangeLog.entity)
    )
    return {entity: count for entity, count in rows}


def describe_changes(
    previous: Release | None,
    rows: dict[str, int],
    rulebook: str,
    seq: int,
    changed: dict[str, int],
    note: str,
) -> dict[str, Any]:
    """The changes of a release against ``previous`` (None for the first release)."""
    return {
        "previous": previous.id if previous else None,
        "seq": {"from": previous.seq if previous else 0, "to": seq},
        "datasets": {
            name: {
                "rows": count,
                "previous": previous.rows(name) if previous else None,
                "delta": count - previous.rows(name) if previous else count,
            }
            for name, count in rows.items()
        },
        "change_log": changed,
        "rulebook": {"from": previous.rulebook if previous else None, "to": rulebook},
        "note": note,
    }


def changelog_entry(release_id: str, changes: dict[str, Any]) -> str:
    """The release's entry of the changelog, in Markdown (zh-CN / English)."""
    lines = [f"## {release_id}", ""]
    previous = changes["previous"]
    lines.append(
        f"- 上一次发布 / previous release: {previous}" if previous else "- 首次发布 / first release"
    )
    seq = changes["seq"]
    lines.append(f"- 变更日志序号 / change-log seq: {seq['from']} → {seq['to']}")
    for name, d in changes["datasets"].items():
        delta = f"{d['delta']:+d}"
        lines.append(f"- {name}: {d['rows']} 行 / rows ({delta})")
    if changes["change_log"]:
        counts = ", ".join(f"{k} {v}" for k, v in changes["change_log"].items())
        lines.append(f"- 期间的变更 / changes in between: {counts}")
    book = changes["rulebook"]
    if book["from"] and book["from"] != book["to"]:
        lines.append(f"- 评价规则变更 / rulebook changed: {book['from']} → {book['to']}")
    else:
        lines.append(f"- 评价规则 / rulebook: {book['to']}")
    if changes["note"]:
        lines.append(f"- 说明 / note: {changes['note']}")
    return "\n".join(lines) + "\n"


def changelog(releases: list[Release]) -> str:
    """The changelog of every release, newest first."""
    head = "# 数据发布变更记录 / Changelog of open-data releases\n\n"
    return head + "\n".join(changelog_entry(r.id, r.changes) for r in releases if r.changes)
