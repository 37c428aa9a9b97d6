"""Server-side SVG maps (no tile server, no JavaScript): an area's outline, its grids and
layers of symbols (enterprises by level, public tip-offs, …), each with an equivalent list."""
