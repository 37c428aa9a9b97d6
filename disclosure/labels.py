"""Names shown through a variable (record types, error headings): listed here so the catalogue
has them.

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
    _("污染源"),
    _("热点网格"),
    _("依法披露名单"),
    _("企业说明"),
    _("信用承诺"),
    _("信用评价"),
    # datasets of /data (credit.freshness.datasets.DATASETS)
    _("监测站点和排放口"),
    _("监测数据"),
    _("举报公开摘要"),
    _("企业说明和信用承诺"),
    _("网格和热点网格"),
    # point-source types (credit.sources.models.SOURCE_TYPE_NAMES)
    _("建筑工地"),
    _("餐饮"),
    _("煤场"),
    _("锅炉"),
    _("小作坊"),
    _("企业"),
    _("其他"),
    # reward outcomes (credit/rewards/reward_rules.toml) and statuses (credit.rewards.workflow)
    _("责令改正"),
    _("移送公安机关"),
    _("提议中"),
    _("已批准"),
    _("已发放"),
    _("不予奖励"),
)

#: the status of an obligation to disclose (credit.obligations.status.STATUSES)
OBLIGATION_STATUS_NAMES = {
    "on_time": _("按时披露"),
    "late": _("逾期披露"),
    "missing": _("未披露"),
    "not_yet_due": _("未到截止日"),
}

#: the error page's heading for each status (the status number stays in the page title)
ERROR_HEADINGS = {
    400: _("请求有误"),
    401: _("需要登录"),
    403: _("无权访问"),
    404: _("未找到"),
    405: _("不支持该请求方法"),
    409: _("与当前状态冲突"),
    413: _("提交的内容过大"),
    414: _("请求地址过长"),
    422: _("提交的内容有误"),
    429: _("操作过于频繁"),
    500: _("服务器内部错误"),
    503: _("服务暂不可用"),
}
#: what the error page says when the error brings no message of its own
ERROR_TEXTS = {
    400: _("无法处理此请求，请检查地址或提交的内容。"),
    403: _("您没有访问此页面的权限。"),
    404: _("您要找的页面不存在，或该记录已不再公示。可以搜索企业名称或统一社会信用代码。"),
    405: _("此地址不支持这种请求方式。"),
    429: _("请稍后再试。"),
    500: _("出现了内部错误，已记录。请稍后再试。"),
    503: _("服务暂时不可用，请稍后再试。"),
}

#: the kinds of administrative penalty (行政处罚法 art. 9, credit.records.fields.PENALTY_KINDS)
PENALTY_KIND_LABELS = (
    _("警告"),
    _("通报批评"),
    _("罚款"),
    _("没收违法所得"),
    _("没收非法财物"),
    _("暂扣许可证件"),
    _("降低资质等级"),
    _("吊销许可证件"),
    _("吊销许可证"),
    _("限制开展生产经营活动"),
    _("责令停产停业"),
    _("责令关闭"),
    _("限制从业"),
    _("行政拘留"),
    _("其他"),
)
