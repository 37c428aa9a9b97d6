"""The tip-off vocabulary: categories, severities, statuses, timeline steps and deadlines.

Names are in zh-CN; pages translate them.
"""

from __future__ import annotations

ACCEPT_DAYS = 15


CLOSE_DAYS = 60


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
}


FINAL = frozenset({"closed", "rejected"})


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
    }
)
