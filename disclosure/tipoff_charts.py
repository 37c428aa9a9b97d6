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
    width: int = 640,
    height: int = 220,
) -> Markup:
    """Grouped bars (received, closed) per month, with a legend; numbers in <title>s."""
    if not series:
        return Markup("")
    pad, top, bottom = 34, 26, 30
    peak = max(1, *(max(p["received"], p["closed"]) for p in series))
    slot = (width - 2 * pad) / len(series)
    bar = max(slot / 2 - 3, 1)
    plot = height - top - bottom

    def y(value: int) -> float:
        return top + plot - value / peak * plot

    parts = [
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke="#ddd"/><text x="2" y="{y(v) + 4:.1f}" font-size="10">{v}</text>'
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
            f'<text x="{x0 + bar:.1f}" y="{height - 12}" font-size="9" '
            f'text-anchor="middle">{month[2:]}</text>'
        )
    legend = "".join(
        f'<rect x="{pad + k * 110}" y="6" width="10" height="10" fill="{colour}"/>'
        f'<text x="{pad + k * 110 + 14}" y="15" font-size="11">{escape(label)}</text>'
        for k, (label, colour) in enumerate(
            zip(labels, (RECEIVED_COLOUR, CLOSED_COLOUR), strict=True)
        )
    )
    return Markup(  # noqa: S704 - every interpolated value is a number or escaped
        f'<svg role="img" viewBox="0 0 {width} {height}" class="history" '
        f'aria-label="{escape(title)}">{"".join(parts)}{legend}</svg>'
    )
