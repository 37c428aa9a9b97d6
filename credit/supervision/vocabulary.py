"""Names of case statuses, origins and timeline steps, in zh-CN with their English.

Class names come from ``case_classes.toml`` (:func:`class_name`); everything here is shown
through :func:`named` (a :class:`~core.messages.Msg`), so a page shows its own language.
"""

from __future__ import annotations

from core.messages import Msg
from credit.supervision.classes import case_classes

STATUS_NAMES = {
    "found": ("发现", "Found"),
    "dispatched": ("督办", "Dispatched"),
    "rectifying": ("整改", "Rectifying"),
    "reported": ("上报", "Result reported"),
    "verified": ("核查", "Verified"),
    "closed": ("办结", "Closed"),
}

ORIGIN_NAMES = {
    "tipoff": ("群众举报", "Tip-off"),
    "patrol": ("网格巡查", "Patrol"),
    "monitoring": ("在线监控", "Monitoring alert"),
    "regulator": ("监管发现", "Regulator"),
}

EVENT_NAMES = {
    "created": ("发现问题", "Problem found"),
    "placed": ("确定网格", "Grid set"),
    "dispatched": ("督办", "Dispatched"),
    "rectifying": ("开始整改", "Rectification started"),
    "evidence": ("上传整改证据", "Evidence added"),
    "reported": ("上报结果", "Result reported"),
    "verified": ("核查通过", "Verified"),
    "failed": ("核查未通过，重新整改", "Verification failed, rectify again"),
    "closed": ("办结", "Closed"),
    "escalated": ("超期升级", "Escalated (overdue)"),
    "transferred": ("移送", "Transferred"),
}


def named(pair: tuple[str, str] | None) -> Msg | None:
    """A (zh, en) name as a Msg; None for None."""
    return Msg(*pair) if pair else None


def class_name(key: str) -> Msg:
    """A case class's name from the class file (日常/一般/较大/重大)."""
    item = case_classes()[key]
    return Msg(item.zh, item.en)


def names(table: dict[str, tuple[str, str]]) -> dict[str, Msg]:
    """A whole vocabulary as Msgs, for pages."""
    return {key: Msg(*pair) for key, pair in table.items()}
