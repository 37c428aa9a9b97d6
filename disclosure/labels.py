"""Names shown through a variable (record types): listed here so the catalogue has them.

The level names come into the catalogue from credit.ratings.levels (scripts/en_messages.py).

``_`` is the identity here; pages translate the names at render time with gettext.
"""

from __future__ import annotations


def _(text: str) -> str:
    return text


LABELS = (
    _("行政处罚"),
    _("现场检查"),
    _("排污许可"),
    _("依法披露"),
    _("排放核算"),
    _("举报"),
    _("等级调整"),
)
