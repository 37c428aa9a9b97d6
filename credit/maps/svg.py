"""The map as one SVG string: the area's outline, its grids, then each layer's symbols.

The drawing is an image (``role="img"``) named by its ``<title>`` and summarised by its
``<desc>``; every symbol has its own ``<title>`` (a tooltip), and the page lists the same
symbols in a table for screen readers. Colours come from CSS classes (site.css), shapes and
letters from ``credit.maps.layers.MARKS``, so a map printed in grey still tells levels apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from core.messages import in_language
from credit.maps.areas import MapArea
from credit.maps.layers import MARKS, Layer

#: the shapes, drawn around (0, 0) about 16 units across (1.6 % of the map's width)
SHAPES = {
    "circle": '<circle r="7.5"/>',
    "square": '<rect x="-6.5" y="-6.5" width="13" height="13"/>',
    "triangle": '<path d="M0 -8.5L8 6.5H-8Z"/>',
    "diamond": '<path d="M0 -9L9 0L0 9L-9 0Z"/>',
    "cross": '<path d="M-7.5 -4.5L-4.5 -7.5L0 -3L4.5 -7.5L7.5 -4.5L3 0L7.5 4.5L4.5 7.5L0 3'
    'L-4.5 7.5L-7.5 4.5L-3 0Z"/>',
    "ring": '<circle r="6" fill="#fff" stroke="currentColor" stroke-width="3"/>',
    "pin": '<path d="M0 9C-2 4 -8 1 -8 -5A8 8 0 1 1 8 -5C8 1 2 4 0 9Z"/>',
    "pin-hollow": '<path d="M0 9C-2 4 -8 1 -8 -5A8 8 0 1 1 8 -5C8 1 2 4 0 9Z" fill="#fff" '
    'stroke="currentColor" stroke-width="2.5"/>',
}


def shape_defs(prefix: str) -> str:
    """Every shape as a ``<symbol>`` with the id ``{prefix}-{shape}``."""
    return "".join(
        f'<symbol id="{prefix}-{name}" overflow="visible">{body}</symbol>'
        for name, body in SHAPES.items()
    )


def _t(text: object, lang: str) -> str:
    return escape(in_language(text, lang))


def _layer(layer: Layer, area: MapArea, lang: str, prefix: str) -> str:
    """The layer's symbols, drawn once per map, language and prefix (kept on the layer)."""
    key = ("svg", lang, prefix)
    kept = layer.drawn.get(key)
    if kept is not None and kept[0] is area:
        return str(kept[1])
    drawn = _draw_layer(layer, area, lang, prefix)
    layer.drawn[key] = (area, drawn)
    return drawn


def _draw_layer(layer: Layer, area: MapArea, lang: str, prefix: str) -> str:
    out = [f'<g class="layer layer-{escape(layer.key)}">']
    project = area.viewport.project
    english = lang.startswith("en")
    for symbol in layer.symbols:
        mark = MARKS[symbol.mark]
        x, y = project(symbol.lon, symbol.lat)
        css = f"{mark.css} {symbol.flag}".strip()
        out.append(
            f'<use href="#{prefix}-{mark.shape}" x="{x:.1f}" y="{y:.1f}" class="{css}">'
            f"<title>{_t(symbol.title, lang)}</title></use>"
        )
        if mark.letter:
            letter = mark.letter[1 if english else 0]
            out.append(
                f'<text x="{x:.1f}" y="{y - 2:.1f}" class="mk-letter {mark.css}" '
                f'aria-hidden="true">{escape(letter)}</text>'
            )
    out.append("</g>")
    return "".join(out)


def map_svg(
    area: MapArea, layers: Sequence[Layer], lang: str, title: object, desc: object, ident: str
) -> str:
    """The SVG of ``area`` with ``layers`` in ``lang``; ``ident`` prefixes its element ids
    (unique per page), ``title`` and ``desc`` name and summarise it."""
    view = area.viewport
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view.width:.0f} '
        f'{view.height:.0f}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'class="map-svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{ident}-title">{_t(title, lang)}</title>',
        f'<desc id="{ident}-desc">{_t(desc, lang)}</desc>',
        f"<defs>{shape_defs(ident)}</defs>",
        f'<rect class="map-ground" width="{view.width:.0f}" height="{view.height:.0f}"/>',
    ]
    for grid in area.grids:
        parts.append(
            f'<path class="map-grid" d="{grid.path}"><title>{escape(grid.name)} '
            f"({escape(grid.code)})</title></path>"
        )
    if area.outline:
        parts.append(f'<path class="map-outline" fill-rule="evenodd" d="{area.outline}"/>')
    parts.extend(_layer(layer, area, lang, ident) for layer in layers)
    parts.append("</svg>")
    return "".join(parts)


def mark_icon(mark_key: str, lang: str) -> str:
    """A small stand-alone SVG of one mark, for the legend and the list (decorative: the text
    beside it says what it is)."""
    mark = MARKS[mark_key]
    letter = ""
    if mark.letter:
        text = mark.letter[1 if lang.startswith("en") else 0]
        letter = f'<text x="0" y="-2" class="mk-letter {mark.css}">{escape(text)}</text>'
    body = SHAPES[mark.shape]
    return (
        f'<svg class="mark-icon" viewBox="-10 -10 20 20" width="20" height="20" '
        f'aria-hidden="true" focusable="false"><g class="{mark.css}">{body}</g>{letter}</svg>'
    )
