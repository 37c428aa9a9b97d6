"""Server-side SVG: the rating-history chart and the QR code (环保码), no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

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


def history_svg(history: Sequence[Any], width: int = 640, height: int = 180) -> Markup:
    """Score over time as a step line with level-coloured points (oldest left)."""
    points = sorted(history, key=lambda r: (r.as_of, r.id))
    if not points:
        return Markup("")
    pad = 30
    first, last = points[0].as_of.toordinal(), points[-1].as_of.toordinal()
    span = max(last - first, 1)
    lo, hi = min(0, *(r.score for r in points)), max(100, *(r.score for r in points))

    def x(r: Any) -> float:
        return pad + (r.as_of.toordinal() - first) / span * (width - 2 * pad)

    def y(score: int) -> float:
        return height - pad - (score - lo) / (hi - lo) * (height - 2 * pad)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(r):.1f},{y(r.score):.1f}" for i, r in enumerate(points)
    )
    dots = "".join(
        f'<circle cx="{x(r):.1f}" cy="{y(r.score):.1f}" r="4" '
        f'fill="{LEVEL_COLOURS.get(r.level, "#555")}"><title>{escape(r.as_of.isoformat())}: '
        f"{r.score} ({escape(r.level)})</title></circle>"
        for r in points
    )
    grid = "".join(
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke="#ddd"/><text x="2" y="{y(v) + 4:.1f}" font-size="10">{v}</text>'
        for v in (0, 60, 80, 95, 100)
        if lo <= v <= hi
    )
    labels = (
        f'<text x="{pad}" y="{height - 8}" font-size="10">{points[0].as_of}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="10" text-anchor="end">'
        f"{points[-1].as_of}</text>"
    )
    return Markup(  # noqa: S704 - every interpolated value is a number or escaped
        f'<svg role="img" viewBox="0 0 {width} {height}" class="history" '
        f'aria-label="score history">{grid}<path d="{path}" fill="none" stroke="#555" '
        f'stroke-width="2"/>{dots}{labels}</svg>'
    )
