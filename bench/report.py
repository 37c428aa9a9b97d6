"""Collect benchmark figures and write one report (Markdown and JSON) with machine facts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).parent / "reports"
BENCHES = (
    "rescore",
    "search",
    "api",
    "internals",
    "load",
    "faults",
    "pg_restart",
    "pages",
    "sources",
    "maps",
    "nearby",
    "geo",
    "monitoring",
    "hotspots",
    "monitoring_rules",
    "mail",
    "scale",
)


@dataclass
class Figure:
    """One measured figure, as a ratio against its same-run baseline."""

    bench: str
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    #: value / baseline, oriented so that the target reads naturally (see ``target``)
    ratio: float
    target: str = ""
    ok: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def machine_facts() -> dict[str, Any]:
    """What the numbers were measured on."""
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            facts["memory"] = fh.readline().split(":", 1)[1].strip()
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            facts["cpu"] = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                "",
            )
    except OSError:
        pass
    with contextlib.suppress(OSError):
        facts["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return facts


def print_figure(fig: Figure) -> None:
    status = "" if fig.ok is None else (" OK" if fig.ok else " MISSED")
    print(
        f"[{fig.bench}] {fig.name}: {fig.value:.4g} {fig.unit} vs {fig.baseline_name} "
        f"{fig.baseline:.4g} → ratio {fig.ratio:.2f} (target {fig.target or '-'}){status}",
        flush=True,
    )


def _earlier(path: Path, rerun: set[str]) -> tuple[list[Figure], list[str]]:
    """Figures and notes of the benches *not* re-run, from the report being replaced."""
    try:
        old = json.loads((path / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], []
    run = {
        "measured_at": old.get("generated_at", "?"),
        "commit": old.get("machine", {}).get("commit", "?"),
    }
    kept = [Figure(**f) for f in old.get("figures", []) if f["bench"] not in rerun]
    for fig in kept:  # figures from before provenance was recorded: the old report's run
        fig.extra = {**run, **fig.extra}
    notes = [
        n
        for n in old.get("notes", [])
        if n.split(":", 1)[0] not in rerun and not n.startswith("report:")
    ]
    return kept, notes


def _provenance(figures: list[Figure]) -> str:
    runs: dict[tuple[str, str], list[str]] = {}
    for fig in figures:
        key = (fig.extra.get("measured_at", "?"), fig.extra.get("commit", "?"))
        if fig.bench not in runs.setdefault(key, []):
            runs[key].append(fig.bench)
    return "report: " + "; ".join(
        f"{', '.join(benches)} measured at {at} (commit {commit})"
        for (at, commit), benches in sorted(runs.items())
    )


def write_report(
    figures: list[Figure], notes: list[str], path: Path = REPORTS, keep_others: bool = False
) -> Path:
    """Write report.md and report.json under bench/reports/.

    With ``keep_others`` (a subset was run) the other benches' figures of the previous
    report are kept, and a note says which figures come from which run.
    """
    path.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    facts = machine_facts()
    for fig in figures:
        fig.extra = {**fig.extra, "measured_at": stamp, "commit": facts.get("commit", "?")}
    if keep_others:
        kept, old_notes = _earlier(path, {f.bench for f in figures})
        figures = sorted(
            kept + figures, key=lambda f: BENCHES.index(f.bench) if f.bench in BENCHES else 99
        )
        notes = [*old_notes, *notes, _provenance(figures)]
    data = {
        "generated_at": stamp,
        "machine": facts,
        "figures": [asdict(f) for f in figures],
        "notes": notes,
    }
    (path / "report.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    lines = [
        f"# Benchmark report ({stamp})",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()),
        "",
        "| bench | figure | value | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = "" if f.ok is None else ("yes" if f.ok else "**no**")
        lines.append(
            f"| {f.bench} | {f.name} | {f.value:.4g} {f.unit} | {f.baseline_name} "
            f"{f.baseline:.4g} | {f.ratio:.2f} | {f.target} | {met} |"
        )
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    (path / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path / "report.md"
