"""Monitoring names shown through a variable, listed so that the catalogue has them:
pollutant names (credit.monitoring.pollutants), HJ 212 flags, station and outlet kinds
(credit.monitoring.models). ``_`` is the identity; templates translate at render time."""

from __future__ import annotations


def _(text: str) -> str:
    return text


LABELS = (
    # pollutants
    _("二氧化硫"),
    _("氮氧化物"),
    _("颗粒物"),
    _("一氧化碳"),
    _("氯化氢"),
    _("非甲烷总烃"),
    _("细颗粒物"),
    _("可吸入颗粒物"),
    _("臭氧"),
    _("化学需氧量"),
    _("氨氮"),
    _("总磷"),
    _("总氮"),
    _("pH 值"),
    # HJ 212 flags
    _("正常"),
    _("停运"),
    _("维护"),
    _("手工设定"),
    _("故障"),
    _("校准"),
    _("超测上限"),
    _("通讯异常"),
    # kinds
    _("国控站"),
    _("省控站"),
    _("微型站"),
    _("废气排放口"),
    _("废水排放口"),
    # a rating explanation line citing an outlet's readings (disclosure.RECORD_LABELS)
    _("排放口在线监测"),
)
