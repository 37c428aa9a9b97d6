"""The tip-off vocabulary: categories, severities, statuses, timeline steps and deadlines.

Names are in zh-CN (what the API and the regulator pages show); their English is in
``ENGLISH`` beside them, and :func:`named` gives a name as a :class:`~core.messages.Msg`,
for a page to show in its own language (``in_lang``).
"""

from __future__ import annotations

import datetime as dt

from core.messages import Msg

ACCEPT_DAYS = 15


CLOSE_DAYS = 60


#: days after the closure (or the refusal) in which the reporter may ask to reopen a report,
#: by the form or by answering the closure questionnaire "not resolved"
REOPEN_DAYS = 30


CATEGORY_NAMES = {
    "air": "大气",
    "water": "水",
    "noise": "噪声",
    "solid_waste": "固体废物",
    "soil": "土壤",
    "radiation": "辐射",
    "ecology": "生态",
    "other": "其他",
}


SEVERITY_NAMES = {"routine": "日常", "general": "一般", "major": "较大", "critical": "重大"}


STATUS_NAMES = {
    "received": "已接收",
    "accepted": "已受理",
    "rejected": "不予受理",
    "assigned": "已交办",
    "investigating": "调查处理中",
    "closed": "已办结",
}


EVENT_NAMES = {
    "received": "收到举报",
    "accepted": "决定受理",
    "rejected": "不予受理",
    "assigned": "交办承办人员",
    "classified": "确定等级",
    "investigating": "开始调查",
    "extended": "延期办理",
    "closed": "办结",
    "reporter_info": "举报人补充信息",
    "reopen_requested": "举报人申请重新处理",
    "reopened": "重新处理",
    "reopen_declined": "维持原办理结果",
    "duplicate": "与同一问题的举报合并处理",
    "reward": "有奖举报认定",
    "placed": "确定办理地区",
    "transferred": "移送",
    "transfer_received": "接收移送",
    "transfer_withdrawn": "撤回移送",
}


FINAL = frozenset({"closed", "rejected"})


#: the closure questionnaire's 满意度, best first
SATISFACTION_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
#: the answers that count as satisfied (满意 + 非常满意) in the satisfaction rate
SATISFIED = frozenset({4, 5})


#: timeline steps that concern the case itself. A report merged into another shows these
#: steps of the original; every other kind (received, reporter_info, reward, duplicate,
#: reopen_requested, reopened, reopen_declined) concerns one reporter and stays on their own
#: report (security I4)
CASE_EVENTS = frozenset(
    {
        "placed",
        "accepted",
        "rejected",
        "assigned",
        "classified",
        "investigating",
        "extended",
        "closed",
        "transferred",
        "transfer_received",
        "transfer_withdrawn",
    }
)


#: the steps the tracking page's progress indicator shows (a status → its step: STEP_OF)
PROGRESS = (
    ("received", "已接收"),
    ("accepted", "已受理"),
    ("investigating", "调查处理"),
    ("closed", "办结"),
)
STEP_OF = {
    "received": 0,
    "accepted": 1,
    "assigned": 1,
    "rejected": 1,
    "investigating": 2,
    "closed": 3,
}


def days_left(due: dt.date, today: dt.date) -> int:
    """Days from ``today`` to ``due`` (0 on the day itself, negative once past)."""
    return (due - today).days


#: the English of every name above (one Chinese name, one English name)
ENGLISH = {
    "大气": "Air",
    "水": "Water",
    "噪声": "Noise",
    "固体废物": "Solid waste",
    "土壤": "Soil",
    "辐射": "Radiation",
    "生态": "Ecology",
    "其他": "Other",
    "日常": "Routine",
    "一般": "General",
    "较大": "Major",
    "重大": "Critical",
    "已接收": "Received",
    "已受理": "Accepted",
    "不予受理": "Not accepted",
    "已交办": "Assigned",
    "调查处理中": "Under investigation",
    "已办结": "Closed",
    "收到举报": "Report received",
    "决定受理": "Accepted for handling",
    "交办承办人员": "Assigned to an officer",
    "确定等级": "Severity set",
    "开始调查": "Investigation started",
    "延期办理": "Deadline extended",
    "办结": "Closed",
    "举报人补充信息": "Reporter added information",
    "举报人申请重新处理": "Reporter asked to reopen",
    "重新处理": "Reopened",
    "维持原办理结果": "Outcome upheld",
    "与同一问题的举报合并处理": "Merged with a report of the same problem",
    "有奖举报认定": "Reward decision",
    "确定办理地区": "Handling region set",
    "调查处理": "Investigation",
    "非常满意": "Very satisfied",
    "满意": "Satisfied",
    "基本满意": "Fairly satisfied",
    "不满意": "Dissatisfied",
    "非常不满意": "Very dissatisfied",
    "移送": "Transferred",
    "接收移送": "Transfer acknowledged",
    "撤回移送": "Transfer withdrawn",
}

#: what each category covers (the form's help), in both languages
CATEGORY_HELP = {
    "air": ("废气、烟尘、粉尘、恶臭、露天焚烧", "exhaust, smoke, dust, odours, open burning"),
    "water": (
        "废水直排、偷排、污水管网、河湖水体变色",
        "untreated discharges, sewers, discoloured rivers and lakes",
    ),
    "noise": (
        "工业、施工、社会生活噪声及振动",
        "industrial, construction and neighbourhood noise, vibration",
    ),
    "solid_waste": (
        "工业固废、危险废物、医疗废物乱堆乱倒",
        "dumped industrial, hazardous or medical waste",
    ),
    "soil": ("土壤污染、污染地块、非法填埋", "contaminated soil and sites, illegal landfill"),
    "radiation": (
        "放射源、射线装置、电磁辐射",
        "radioactive sources, X-ray devices, electromagnetic radiation",
    ),
    "ecology": (
        "破坏自然保护地、湿地、植被，非法采砂采矿",
        "damage to protected areas, wetlands, vegetation; illegal sand or ore mining",
    ),
    "other": ("以上类别以外的环境问题", "any other environmental problem"),
}


def named(name: str | None) -> Msg | None:
    """A vocabulary name (``STATUS_NAMES["closed"]`` …) in both languages; None for None."""
    if name is None:
        return None
    return Msg(name, ENGLISH.get(name, name))
