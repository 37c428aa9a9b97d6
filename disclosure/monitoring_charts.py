"""Server-side SVG line chart of a station's PM2.5/PM10 (hours of a day or days of a month),
no JavaScript; the page's table below it holds the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from disclosure.charts import CHART_WIDTH, FONT

#: a line per series: colour and dash (so the two lines differ without colour too)
STYLES = (("#1f5fa8", ""), ("#b3541e", "6 4"))
HEIGHT = 200


def _nice_top(peak: float) -> float:
    """The axis' top: the next of 1, 2, 5 × 10ⁿ above ``peak``."""
    if peak <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= peak:
        step *= 10
    for factor in (1, 2, 5, 10):
        if factor * step >= peak:
            return factor * step
    return 10 * step


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Stretches of consecutive values (a gap breaks the line)."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, value))
    if current:
        runs.append(current)
    return runs


def line_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str,
    title: str,
    desc: str,
) -> Markup:
    """Lines of ``series`` (name, one value or None per label) over ``labels``: a y axis
    from 0 with three ticks, the first, middle and last label below, a legend on top.
    Empty when no series has a value."""
    peak = max((v for _, values in series for v in values if v is not None), default=None)
    if peak is None or not labels:
        return Markup("")
    left, right, top, bottom = 44, CHART_WIDTH - 10, 28, HEIGHT - 26
    ymax = _nice_top(peak)
    span = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i / span * (right - left)

    def y(v: float) -> float:
        return bottom - v / ymax * (bottom - top)

    parts = [
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        'fill="#f6f7f7"/>'
    ]
    for tick in (0.0, ymax / 2, ymax):
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#c3c4c7" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y(tick) + 5:.1f}" font-size="{FONT}" text-anchor="end" '
            f'fill="#1d2327">{tick:g}</text>'
        )
    for i, anchor in ((0, "start"), (len(labels) // 2, "middle"), (len(labels) - 1, "end")):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" font-size="{FONT}" text-anchor="{anchor}" '
            f'fill="#1d2327">{escape(labels[i])}</text>'
        )
    legend_x = left
    for (name, values), (colour, dash) in zip(series, STYLES, strict=False):
        for run in _runs(values):
            path = " ".join(
                f"{'M' if n == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for n, (i, v) in enumerate(run)
            )
            if len(run) == 1:
                i, v = run[0]
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
            else:
                parts.append(
                    f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                    f'stroke-dasharray="{dash}"/>'
                )
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 22}" y1="12" y2="12" stroke="{colour}" '
            f'stroke-width="3" stroke-dasharray="{dash}"/>'
            f'<text x="{legend_x + 26}" y="17" font-size="{FONT}" fill="#1d2327">'
            f"{escape(name)}</text>"
        )
        legend_x += 26 + 10 * len(name) + 18
    parts.append(
        f'<text x="{right}" y="17" font-size="{FONT}" text-anchor="end" fill="#50575e">'
        f"{escape(unit)}</text>"
    )
    return Markup(  # noqa: S704 - every interpolated value is a number or escaped
        f'<svg role="img" viewBox="0 0 {CHART_WIDTH} {HEIGHT}" class="chart pm-series" '
        'aria-labelledby="pm-svg-title pm-svg-desc">'
        f'<title id="pm-svg-title">{escape(title)}</title>'
        f'<desc id="pm-svg-desc">{escape(desc)}</desc>{"".join(parts)}</svg>'
    )
