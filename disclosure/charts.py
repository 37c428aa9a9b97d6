"""Server-side SVG: the rating-history chart and the QR code (环保码), no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from credit.ratings.levels import LEVEL_SHORT, LEVELS

LEVEL_COLOURS = {
    "green": "#1e7b34",
    "blue": "#1f5fa8",
    "yellow": "#d4a900",
    "red": "#c0262d",
    "black": "#111111",
}


def qr_svg(url: str, title: str) -> Markup:
    """An inline SVG QR code for ``url``."""
    import segno  # loaded by the first page with a QR code, not by every worker

    svg = segno.make(url, error="m").svg_inline(scale=3, title=title)
    return Markup(svg)  # noqa: S704 - segno escapes the title; the rest is generated paths


#: the history chart's drawing box: 320 units wide, so that 14-unit text renders at ≥ 12 px
#: when the chart is 275 px wide or more (a 320 px phone with 1rem margins shows it at 288 px)
CHART_WIDTH = 320
FONT = 14
ROW = 30


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def history_svg(story: Sequence[Any], lang: str, title: str, desc: str) -> Markup:
    """The levels over time (oldest left): a step line across one row per level (the level
    scale of credit.ratings.levels, best on top, each row labelled once, so labels never
    overlap), a point per rating and a numbered marker where the level changed (the numbers
    are those of the history table). Empty below two ratings: one point is not a history."""
    if len(story) < 2:
        return Markup("")
    label_width = 108 if lang == "en" else 70
    left, right, top = label_width + 8, CHART_WIDTH - 14, 6
    height = top + ROW * len(LEVELS) + 30
    first, last = story[0].as_of.toordinal(), story[-1].as_of.toordinal()
    span = max(last - first, 1)

    def x(p: Any) -> float:
        return left + (p.as_of.toordinal() - first) / span * (right - left)

    def y(level: str) -> float:
        return top + ROW * LEVELS.index(level) + ROW / 2

    rows = "".join(
        f'<rect x="{left - 4}" y="{top + ROW * i}" width="{right - left + 8}" height="{ROW}" '
        f'fill="{LEVEL_COLOURS[lv]}" fill-opacity="{0.16 if i % 2 == 0 else 0.08}"/>'
        f'<text x="{label_width}" y="{y(lv) + 5:.1f}" font-size="{FONT}" text-anchor="end" '
        f'fill="#1d2327">{escape(_pick(LEVEL_SHORT[lv], lang))}</text>'
        for i, lv in enumerate(LEVELS)
    )
    path = f"M{x(story[0]):.1f},{y(story[0].level):.1f}" + "".join(
        f" H{x(p):.1f} V{y(p.level):.1f}" for p in story[1:]
    )
    dots, marks, n = [], [], 0
    for p in story:
        dots.append(
            f'<circle cx="{x(p):.1f}" cy="{y(p.level):.1f}" r="4.5" fill="#fff" '
            f'stroke="{LEVEL_COLOURS.get(p.level, "#555")}" stroke-width="3"/>'
        )
        if p.moved:
            n += 1
            above = y(p.level) - 9 if LEVELS.index(p.level) > 0 else y(p.level) + 18
            marks.append(
                f'<text x="{x(p):.1f}" y="{above:.1f}" font-size="{FONT}" font-weight="700" '
                f'text-anchor="middle" fill="#1d2327">{n}</text>'
            )
    axis = top + ROW * len(LEVELS) + 20
    dates = (
        f'<text x="{left}" y="{axis}" font-size="{FONT}" fill="#1d2327">{story[0].as_of}</text>'
        f'<text x="{right}" y="{axis}" font-size="{FONT}" text-anchor="end" fill="#1d2327">'
        f"{story[-1].as_of}</text>"
    )
    return Markup(  # noqa: S704 - every interpolated value is a number or escaped
        f'<svg role="img" viewBox="0 0 {CHART_WIDTH} {height}" class="chart level-history" '
        f'aria-labelledby="history-svg-title history-svg-desc">'
        f'<title id="history-svg-title">{escape(title)}</title>'
        f'<desc id="history-svg-desc">{escape(desc)}</desc>{rows}'
        f'<path d="{path}" fill="none" stroke="#1d2327" stroke-width="2"/>'
        f"{''.join(dots)}{''.join(marks)}{dates}</svg>"
    )
