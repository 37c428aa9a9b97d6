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


#: what each level means for the enterprise (信用为基础的差别化监管), zh-CN and English
LEVEL_MEASURES = {
    "green": (
        "减少“双随机”抽查频次；在财政补助、政府采购和招投标、信贷中优先支持。",
        "Fewer random inspections; priority for subsidies, public tenders and bank credit.",
    ),
    "blue": (
        "按常规频次监管。",
        "Supervised at the normal frequency.",
    ),
    "yellow": (
        "每季度报送整改情况；提高抽查频次；从严审批贷款。",
        "Quarterly rectification reports; more frequent inspections; stricter loan approval.",
    ),
    "red": (
        "暂停财政补助和专项资金；不予新增贷款；重点监管、加密检查。",
        "Subsidies suspended; no new loans; close supervision with frequent inspections.",
    ),
    "black": (
        "在环保不良企业措施之外，纳入失信联合惩戒，依法限制市场准入和评优评先。",
        "The measures for poor enterprises, plus joint punishment for untrustworthiness: "
        "market access and awards restricted by law.",
    ),
}


def level_measures(level: str, lang: str = "zh") -> str:
    """What ``level`` means for the enterprise, in ``lang`` ("zh" or "en")."""
    zh, en = LEVEL_MEASURES[level]
    return en if lang == "en" else zh


#: short level names for narrow places (the history chart's axis), zh-CN and English
LEVEL_SHORT = {
    "green": ("诚信", "Trustworthy"),
    "blue": ("良好", "Good"),
    "yellow": ("警示", "Warning"),
    "red": ("不良", "Poor"),
    "black": ("严重失信", "Untrustworthy"),
}
