"""Render docs/rulebook.md from the shipped rulebooks: `python scripts/rulebook_doc.py`.

The numbers come from ``credit.ratings.describe`` (which reads the rulebook files); this
script only lays them out as Markdown. ``--check`` writes nothing and exits 1 when the
committed page differs from the data (tests/test_docs.py runs the same comparison).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.config import DEFAULTS  # noqa: E402 - after the path set-up above
from credit.ratings import describe as d  # noqa: E402
from credit.ratings.loader import available_rulebooks, load_rulebook  # noqa: E402
from credit.ratings.rules import PledgeRule  # noqa: E402

TARGET = ROOT / "docs" / "rulebook.md"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows), ""]


def _engine() -> list[str]:
    out = ["## How every rulebook is applied", ""]
    out += [f"- {rule.en}" for rule in d.ENGINE_RULES]
    return [*out, ""]


def _publication() -> list[str]:
    rows = [
        [
            p.name.zh,
            f"`{p.severity}`",
            f"decision_date + {p.period.en}",
            f"after {p.repair_after.en}" if p.repair_after else "never",
        ]
        for p in d.publication()
    ]
    kinds = "、".join(d.non_repairable_kinds())
    return [
        "## How long records count",
        "",
        "A penalty is public from its decision date until its publication end (公示截止期, "
        "`publish_until`), which the record gives or which defaults by severity; in the rating "
        "it counts for the window of the rule it falls under (tables below), and never once "
        "it is revoked or its credit repair is approved. Credit repair (信用修复) may be "
        "applied for only after a minimum publication period:",
        "",
        *_table(["severity", "code", "public by default until", "credit repair possible"], rows),
        f"A 严重 penalty whose kinds include {kinds} is 特定严重失信: it is never repairable "
        "and stays public for its full term.",
        "",
        "Inspections and tip-offs count within their rule's window before D; the emission "
        "rules read the accounts of the year before D; the disclosure rules read the report "
        "of the latest year already due on D.",
        "",
    ]


def _points(line: d.RuleLine) -> str:
    return d.signed(line.points)


def _rulebook(desc: d.Description, active: bool) -> list[str]:
    out = [f"## `{desc.name}`: {desc.title.zh}", ""]
    default = " It is the active rulebook by default (`CREDIT_RULEBOOK`)." if active else ""
    out += [
        f"{desc.title.en}. Version {desc.version}, effective from {desc.effective_from}; "
        f"ratings store it as `{desc.label}`.{default} Base score **{desc.start}**; the "
        f"score is held within {d.number(desc.min)} … {d.number(desc.max)}.",
        "",
        "### Levels",
        "",
    ]
    out += _table(
        ["level", "名称", "name", "score"],
        [[f"`{b.level}`", b.name.zh, b.name.en, d.band_range(b).en] for b in desc.levels],
    )
    out += ["### Scoring rules", ""]
    out += _table(
        ["rule", "what", "points", "at most", "counts while"],
        [
            [
                f"`{r.id}`",
                r.what.en,
                _points(r) + (" each" if r.cap is not None else ""),
                d.signed(r.cap) if r.cap is not None else "",
                r.counts.en,
            ]
            for r in desc.rules
        ],
    )
    if desc.vetoes:
        out += ["### Vetoes (一票否决)", ""]
        out += _table(
            ["rule", "condition at D", "within", "level"],
            [[f"`{v.id}`", v.what.en, v.counts.en, f"`{v.level}`"] for v in desc.vetoes],
        )
    else:
        out += ["No vetoes: the level follows from the score alone.", ""]
    return out


def _differences(descs: Sequence[d.Description]) -> list[str]:
    rows = [
        [row.topic.en, *(v.en if v else "—" for v in row.values)]
        for row in d.compare(descs)
        if not row.same
    ]
    return [
        "## Differences between the rulebooks",
        "",
        "Points with the window they count for; “—”: the rulebook has no such rule. "
        "`flask credit simulate --rulebook NAME` shows how the levels of the enterprises "
        "would move between the active rulebook and another.",
        "",
        *_table(["", *(f"`{x.name}`" for x in descs)], rows),
    ]


def _not_yet(descs: Sequence[d.Description]) -> list[str]:
    rule_ids = {r.id for x in descs for r in (*x.rules, *x.vetoes)}
    if any(i.startswith("monitoring.") for i in rule_ids):
        return []
    return [
        "## Not in the shipped rulebooks yet",
        "",
        "The design's version 2026.2 of `cn-default` adds automatic monitoring (自动监控): "
        "`monitoring.exceedance_day` (−2 for each day with a valid hourly mean above an "
        "outlet's limit, at most −20, in (D − 365 days, D]), `monitoring.data_gap` (−5 for each "
        "outlet-month of the 12 before D's month with valid means for fewer than 75% of its "
        "hours, at most −15) and the veto `veto.exceedance_30` (30 or more exceedance days in "
        "the past year → red). The engine cannot express them yet; once they are in the "
        "rulebook data this section disappears and they are listed above.",
        "",
    ]


def _pledge(descs: Sequence[d.Description]) -> list[str]:
    example = d.pledge_line(PledgeRule("pledge.signed", 2))
    enabled = [x.name for x in descs if any(r.family == "pledge" for r in x.rules)]
    which = (
        "Shipped rulebooks that enable it: " + ", ".join(f"`{n}`" for n in enabled) + "."
        if enabled
        else "No shipped rulebook enables it (`cn-default` leaves it out on purpose)."
    )
    return [
        "## Optional: the credit pledge (信用承诺)",
        "",
        "An enterprise's manager may sign the credit pledge on `/enterprise/pledge` (the text "
        "is configuration: `credit/pledges/pledge.toml`, with its `version`); the public page "
        "shows “已签署信用承诺（date）”. The pledge scores only in a rulebook that adds a "
        "`[pledge]` table; without it a pledge changes no score. A jurisdiction that rewards "
        "pledges adds, in its rulebook file, and bumps `version`:",
        "",
        "```toml",
        "[pledge]",
        f'id = "{example.id}"   # optional, this is the default',
        f"points = {example.points}            # a bonus, 1 to 10",
        "",
        "[titles]",
        f'"{example.id}" = ["{example.topic.zh}", "{example.topic.en}"]',
        "```",
        "",
        f"It then scores {d.signed(example.points)} when {example.what.en}; it counts "
        f"{example.counts.en}. A signed pledge enters the change log, so the enterprise is "
        f"re-rated at once. {which}",
        "",
    ]


def _temporary(descs: Sequence[d.Description]) -> list[str]:
    enabled = [
        x.name for x in descs if any(r.id.startswith("disclosure.temporary") for r in x.rules)
    ]
    which = ", ".join(f"`{n}`" for n in enabled) or "no shipped rulebook"
    return [
        "## Temporary disclosure reports (临时环境信息依法披露报告)",
        "",
        "New in `cn-default` 2026.3 (the existing rules' numbers are unchanged). Under the "
        "办法 (企业环境信息依法披露管理办法) Art. 17/18 an enterprise obliged to disclose files "
        "a temporary report within five working days of receiving an administrative penalty "
        "decision. The `[temporary_report]` table configures it: `events` (what opens an "
        "obligation; `penalty` is the only event so far, the default), `workdays` (default "
        "5, counted from the day after the decision date with Chinese public holidays and "
        "make-up working days from `core/workdays.py`), the ids and points of "
        "`disclosure.temporary_missing` (no report after the due date) and "
        "`disclosure.temporary_late` (filed after it), one `cap` for both together, and the "
        "`window` they count for from the day after the due date (never beyond the "
        "penalty's publication). An enterprise owes the report when it is on the obliged "
        "list (`records import --kind obligations`) for the decision's year or the year "
        "before; a revoked penalty owes none. The due day itself is still open. The "
        "obligations are not stored: they follow from the penalties and the list; "
        "fulfilment is a report filed on `/enterprise/temporary-reports/`, a public write "
        "(change log entity `temporary_report`) that re-rates the enterprise; the daily "
        "`publication-expiry` run marks an enterprise whose report became overdue unfiled, "
        "so it is re-rated the day after the due date. Each "
        "explanation line cites the penalty and states its decision date and due date "
        f"(zh-CN / English). Enabled in: {which}.",
        "",
    ]


def render() -> str:
    """The whole page, from the rulebooks in credit/ratings/rulebooks/."""
    names = available_rulebooks()
    active = str(DEFAULTS["CREDIT_RULEBOOK"])
    names.sort(key=lambda n: (n != active, n))
    descs = [d.describe(load_rulebook(n)) for n in names]
    shipped = ", ".join(f"`{x.name}` (version {x.version})" for x in descs)
    out = [
        "# Scoring rules (评价规则)",
        "",
        "<!-- Generated by scripts/rulebook_doc.py from credit/ratings/rulebooks/*.toml; "
        "do not edit by hand. -->",
        "",
        f"The shipped rulebooks are {shipped}. A rulebook is data: a TOML file in "
        "`credit/ratings/rulebooks/`, validated when loaded; `CREDIT_RULEBOOK` chooses the "
        "active one. The engine (`credit/ratings/engine.py`) rates an enterprise as of a "
        "date D and explains its score: one line item per rule that fired, with its points, "
        "the rule id and the record it came from. This page is generated from the rulebook "
        "data (`credit/ratings/describe.py` describes, `scripts/rulebook_doc.py` renders); a "
        "test fails when it is out of date.",
        "",
        *_engine(),
        *_publication(),
    ]
    for desc in descs:
        out += _rulebook(desc, desc.name == active)
    if len(descs) > 1:
        out += _differences(descs)
    out += _temporary(descs)
    out += _pledge(descs)
    out += _not_yet(descs)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run scripts/rulebook_doc.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
