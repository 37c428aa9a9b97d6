"""The credit levels: one definition of their codes, order and names (zh-CN and English)."""

from __future__ import annotations

#: best first; black is reached only through a veto
LEVELS = ("green", "blue", "yellow", "red", "black")
#: what search and filters call an enterprise with no rating yet
UNRATED = "unrated"
#: the published names (GB practice: 环保诚信/良好/警示/不良/严重失信企业)
LEVEL_NAMES = {
    "green": "环保诚信企业",
    "blue": "环保良好企业",
    "yellow": "环保警示企业",
    "red": "环保不良企业",
    "black": "环保严重失信企业",
}
LEVEL_NAMES_EN = {
    "green": "Environmentally trustworthy",
    "blue": "Environmentally good",
    "yellow": "Environmental warning",
    "red": "Environmentally poor",
    "black": "Seriously untrustworthy",
}


def level_name(level: str | None, lang: str = "zh") -> str | None:
    """The published name of ``level`` in ``lang`` ("zh" or "en"); None for no level."""
    if not level:
        return None
    return (LEVEL_NAMES_EN if lang == "en" else LEVEL_NAMES).get(level)
