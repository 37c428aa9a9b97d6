"""Server-side SVG for the statistics page: tip-offs received and closed per month."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

RECEIVED_COLOUR = "#1f5fa8"
CLOSED_COLOUR = "#1e7b34"


def series_svg(
    series: Sequence[dict[str, Any]],
    labels: tuple[str, str],
    title: str,
    width: int = 320,
    height: int = 200,
) -> Markup:
    """Grouped bars (received, closed) per month, with a legend; numbers in <title>s.

    320 units wide with 14-unit text: at least 12 px on a 320 px phone (288 px drawn)."""
    if not series:
        return Markup("")
    pad, top, bottom = 30, 30, 24
    peak = max(1, *(max(p["received"], p["closed"]) for p in series))
    slot = (width - 2 * pad) / len(series)
    bar = max(slot / 2 - 3, 1)
    plot = height - top - bottom

    def y(value: int) -> float:
        return top + plot - value / peak * plot

    parts = [
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke="#ddd"/><text x="{pad - 4}" y="{y(v) + 5:.1f}" font-size="14" '
        f'text-anchor="end">{v}</text>'
        for v in sorted({0, peak // 2, peak})
    ]
    for i, point in enumerate(series):
        x0 = pad + i * slot + 2
        month = escape(point["month"])
        for j, (key, colour) in enumerate(
            (("received", RECEIVED_COLOUR), ("closed", CLOSED_COLOUR))
        ):
            value = int(point[key])
            parts.append(
                f'<rect x="{x0 + j * (bar + 1):.1f}" y="{y(value):.1f}" width="{bar:.1f}" '
                f'height="{top + plot - y(value):.1f}" fill="{colour}"><title>{month} '
                f"{escape(labels[j])}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + bar:.1f}" y="{height - 6}" font-size="14" '
            f'text-anchor="middle">{month[5:]}</text>'
        )
    legend = "".join(
        f'<rect x="{pad + k * 120}" y="6" width="12" height="12" fill="{colour}"/>'
        f'<text x="{pad + k * 120 + 16}" y="17" font-size="14">{escape(label)}</text>'
        for k, (label, colour) in enumerate(
            zip(labels, (RECEIVED_COLOUR, CLOSED_COLOUR), strict=True)
        )
    )
    return Markup(  # noqa: S704 - every interpolated value is a number or escaped
        f'<svg role="img" viewBox="0 0 {width} {height}" class="chart" '
        f'aria-label="{escape(title)}">{"".join(parts)}{legend}</svg>'
    )
