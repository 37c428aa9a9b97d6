"""Names shown through a variable (levels, record types): listed here so the catalogue has them.

``_`` is the identity here; pages translate the names at render time with gettext.
"""

from __future__ import annotations


def _(text: str) -> str:
    return text


LABELS = (
    _("环保诚信企业"),
    _("环保良好企业"),
    _("环保警示企业"),
    _("环保不良企业"),
    _("环保严重失信企业"),
    _("行政处罚"),
    _("现场检查"),
    _("排污许可"),
    _("依法披露"),
    _("排放核算"),
    _("举报"),
    _("等级调整"),
)
