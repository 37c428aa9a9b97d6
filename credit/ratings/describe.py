"""A rulebook described for people: its levels, rules, vetoes and windows as plain data.

Every phrase is a :class:`Text` pair, Chinese and English kept apart, so that one description
can be rendered as the repository's ``docs/rulebook.md`` (``scripts/rulebook_doc.py``) or as a
page in either language. Nothing here knows about Markdown or the web; the numbers come from
the loaded rulebook (and the publication periods from ``credit.records.publication``), never
from a copy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dateutil.relativedelta import relativedelta

from credit.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from credit.ratings.rules import (
    CleanYears,
    CountedRule,
    DataGapRule,
    DisclosureRule,
    EmissionRule,
    PenaltyRule,
    PledgeRule,
    Rulebook,
    Surcharge,
    TemporaryReportRule,
    Veto,
    Window,
)
from credit.records.fields import CATEGORY, SEVERITY
from credit.records.publication import MIN_PERIOD, NON_REPAIRABLE_KINDS, PUBLISH_PERIOD

#: the Rulebook fields this module describes; a test fails when the rulebook type grows a field
#: that is not described here (a new rule type must be described before it ships)
DESCRIBED_FIELDS = frozenset(
    {
        "name",
        "version",
        "effective_from",
        "title",
        "start",
        "min",
        "max",
        "levels",
        "penalties",
        "surcharges",
        "inspections",
        "emission",
        "disclosure",
        "tipoff",
        "vetoes",
        "clean_years",
        "exceedance",
        "data_gap",
        "pledge",
        "temporary_report",
        "titles",
    }
)

SEVERITY_ZH = {code: zh for zh, code in SEVERITY.items() if zh != code}
CATEGORY_ZH = {code: zh for zh, code in CATEGORY.items() if zh != code}
#: inspection outcomes as the enterprise page names them
OUTCOME_ZH = {"compliant": "未发现问题", "issues_found": "发现问题", "refused": "拒绝检查"}


@dataclass(frozen=True, slots=True)
class Text:
    """One phrase in both languages; renderers pick one (or show both apart), never glue."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class LevelBand:
    """A level and the whole scores that reach it, ``low``–``high`` (None: veto only)."""

    level: str
    name: Text
    low: int | None
    high: int | None
    #: reached only through a veto (no score range)
    veto_only: bool = False


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule: what fires it, its points and cap, how long it counts (vetoes: the level)."""

    id: str
    #: penalty, surcharge, inspection, emission, disclosure, tipoff, clean_years, exceedance,
    #: data_gap, pledge or veto
    family: str
    #: a short name to compare rulebooks by (rules of two rulebooks with the same topic match)
    topic: Text
    what: Text
    points: int
    cap: int | None
    counts: Text
    #: the rule's window as written ("3 months", "publish_until"); None: no window
    window: Text | None = None
    #: the level a veto sets; None for scoring rules
    level: str | None = None
    #: what people read for the rule (the rulebook's [titles]; else its short topic)
    title: Text | None = None

    @property
    def label(self) -> Text:
        return self.title or self.topic


@dataclass(frozen=True, slots=True)
class Description:
    name: str
    version: str
    effective_from: dt.date
    title: Text
    start: int
    min: int
    max: int
    levels: tuple[LevelBand, ...]
    #: deductions, surcharges and bonuses, in the order the engine applies them
    rules: tuple[RuleLine, ...]
    vetoes: tuple[RuleLine, ...]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Publication:
    """How long a penalty of one severity is public, and when credit repair may shorten it."""

    severity: str
    name: Text
    period: Text
    repair_after: Text | None


#: how the engine applies every rulebook (credit/ratings/engine.py)
ENGINE_RULES: tuple[Text, ...] = (
    Text(
        "评价针对某一日期 D，只使用 D 当日已知的记录；日期晚于 D 的记录从不计入。",
        "A rating is computed as of a date D from the records known at D; a record dated "
        "after D never counts.",
    ),
    Text(
        "得分 = 基础分 + 各规则分值之和，并限制在规则的最低分与最高分之间；等级由得分决定。",
        "The score is the base score plus the points of every rule that fired, held within "
        "the rulebook's minimum and maximum; the level follows from the score.",
    ),
    Text(
        "每条处罚只适用第一条与之匹配的处罚规则；处罚被撤销或信用修复获批之日起不再计入。",
        "Each penalty takes the first penalty rule that matches it, and stops counting from "
        "the day it is revoked or its credit repair is approved.",
    ),
    Text(
        "“N 个月/年”按日历计算，落在月末时取该月最后一天（2025-11-30 加 3 个月为 2026-02-28）；"
        "时间窗口为左开右闭或左闭右开，如表中所写。",
        "“+ N months/years” is calendar arithmetic clamped to the month's last day "
        "(2025-11-30 + 3 months = 2026-02-28); windows are half-open as written.",
    ),
    Text(
        "异议成立而撤回的检查记录不再计入。",
        "An inspection withdrawn after an upheld objection no longer counts.",
    ),
    Text(
        "一票否决不论得分直接设定等级，只会降低等级；黑色优先于红色；说明中列出每一项触发的否决。",
        "A veto (一票否决) sets the level whatever the score, and only ever lowers it; black "
        "outranks red; the explanation lists every veto that fired.",
    ),
    Text(
        "经另一名监管人员批准的等级调整在有效期内（至多 365 天）替代公示等级；"
        "计算得分与等级仍同时显示。",
        "An adjustment approved by a second regulator replaces the published level until it "
        "expires (at most 365 days); the computed score and level stay visible beside it.",
    ),
)


def signed(number: int) -> str:
    """``+1``, ``−10`` (a true minus sign), ``0``."""
    return f"{number:+d}".replace("-", "−") if number else "0"


def number(value: int) -> str:
    """``12``, ``−30`` (a true minus sign)."""
    return str(value).replace("-", "−")


def _period(period: relativedelta) -> Text:
    for amount, zh, en in (
        (period.years, "年", "year"),
        (period.months, "个月", "month"),
        (period.days, "天", "day"),
    ):
        if amount:
            return Text(f"{amount} {zh}", f"{amount} {en}{'' if amount == 1 else 's'}")
    return Text("0 天", "0 days")


def window_text(window: Window) -> Text:
    """A calendar window ("3 months"); "publish_until" for the publication period."""
    if window.period is None:
        return Text("公示截止期", "publish_until")
    return _period(window.period)


def _severities(severity: frozenset[str] | None) -> tuple[str, ...]:
    return tuple(s for s in SEVERITY_ZH if severity and s in severity)


def _or(items: Sequence[str], word: str) -> str:
    return ", ".join(items[:-1]) + f" {word} " + items[-1] if len(items) > 1 else "".join(items)


def _penalty(rule: PenaltyRule) -> RuleLine:
    severities = _severities(rule.severity)
    zh_parts, en_parts = [], []
    if severities:
        zh_parts.append("、".join(SEVERITY_ZH[s] for s in severities) + "处罚")
        en_parts.append(
            "penalty of severity " + _or([f"{SEVERITY_ZH[s]} ({s})" for s in severities], "or")
        )
    if rule.criminal_transfer is not None:
        zh_parts.append("移送公安" if rule.criminal_transfer else "未移送公安")
        en_parts.append(
            ("with" if rule.criminal_transfer else "without") + " criminal transfer (移送公安)"
        )
    if not severities:
        zh_parts.insert(0, "处罚")
        en_parts.insert(0, "penalty")
    what = Text("，".join(zh_parts), " ".join(en_parts))
    if rule.window.period is None:
        defaults = [
            (SEVERITY_ZH[s], s, _period(PUBLISH_PERIOD[s]))
            for s in severities or tuple(SEVERITY_ZH)
        ]
        counts = Text(
            "决定日期 ≤ D < 公示截止期（默认为决定日期加 "
            + "，".join(f"{zh} {p.zh}" for zh, _, p in defaults)
            + "）",
            "decision_date ≤ D < publish_until (公示截止期; default decision_date + "
            + ", ".join(f"{p.en} for {s}" for _, s, p in defaults)
            + ")",
        )
    else:
        span = window_text(rule.window)
        counts = Text(
            f"决定日期 ≤ D < 决定日期 + {span.zh}", f"decision_date ≤ D < decision_date + {span.en}"
        )
    topic = Text(
        what.zh,
        " or ".join(severities) + " penalty"
        if severities and rule.criminal_transfer is None
        else ("criminal transfer" if rule.criminal_transfer else what.en),
    )
    return RuleLine(
        rule.id, "penalty", topic, what, rule.points, None, counts, window_text(rule.window)
    )


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}"


def _wan(fen: int) -> str:
    return f"{fen / 1_000_000:g}万元"


def _surcharge(rule: Surcharge) -> RuleLine:
    low = rule.fine_min_fen
    high = rule.fine_max_fen
    zh = f"附加：罚款 ≥ {_wan(low)}" + (f" 且 < {_wan(high)}" if high is not None else "")
    en = f"surcharge: fine ≥ CNY {_yuan(low)}" + (
        f" and < CNY {_yuan(high)}" if high is not None else ""
    )
    topic = Text(
        f"罚款 ≥ {_wan(low)}", f"fine ≥ CNY {_yuan(low)}" + (f", < {_yuan(high)}" if high else "")
    )
    return RuleLine(
        rule.id,
        "surcharge",
        topic,
        Text(zh, en),
        rule.points,
        None,
        Text("与所附处罚相同", "same as its penalty"),
    )


def _recent(window: Window, zh_date: str, en_date: str) -> Text:
    span = window_text(window)
    return Text(f"{zh_date}在 (D − {span.zh}, D] 内", f"{en_date} in (D − {span.en}, D]")


def _inspection(rule: CountedRule) -> RuleLine:
    outcome = rule.outcome or ""
    zh_outcome = OUTCOME_ZH.get(outcome, outcome)
    return RuleLine(
        rule.id,
        "inspection",
        Text(f"检查{zh_outcome}", f"inspection {outcome}"),
        Text(
            f"检查结果为{zh_outcome}（{outcome}）",
            f"inspection with outcome `{outcome}` ({zh_outcome})",
        ),
        rule.points,
        rule.cap,
        _recent(rule.window, "检查日期", "inspection date"),
        window_text(rule.window),
    )


def _emission(rule: EmissionRule) -> RuleLine:
    return RuleLine(
        rule.id,
        "emission",
        Text("超许可排放量", "emission over the permitted amount"),
        Text(
            "某污染物 D 上一年度的核算排放量超过许可年排放量（该年有效许可中的最大值）",
            "a pollutant whose accounted emission for year D.year − 1 exceeds the permitted "
            "annual amount (the largest of the permits in force that year)",
        ),
        rule.points,
        rule.cap,
        Text("—", "—"),
    )


def _categories(categories: frozenset[str]) -> tuple[str, str]:
    codes = [c for c in CATEGORY_ZH if c in categories]
    return "或".join(CATEGORY_ZH[c] for c in codes), _or(
        [f"{CATEGORY_ZH[c]} ({c})" for c in codes], "or"
    )


def _disclosure(rule: DisclosureRule) -> tuple[RuleLine, RuleLine]:
    zh_cat, en_cat = _categories(rule.categories)
    due_zh = f"Y+1 年 {rule.due_month} 月 {rule.due_day} 日"
    due_en = f"{dt.date(2001, rule.due_month, rule.due_day):%-d %B} of Y+1"
    missing = RuleLine(
        rule.missing_id,
        "disclosure",
        Text("未披露年度报告", "disclosure report missing"),
        Text(
            f"{zh_cat}企业（企业已列入依法披露名单的，按名单所列年度）缺少截止日（{due_zh}）"
            "≤ D 的最近年度 Y 的环境信息依法披露报告",
            f"a {en_cat} enterprise (an enterprise on the obliged-to-disclose list: for the "
            f"years listed) with no annual disclosure report for the latest year Y "
            f"whose due date ({due_en}) is ≤ D",
        ),
        rule.missing_points,
        None,
        Text("—", "—"),
    )
    late = RuleLine(
        rule.late_id,
        "disclosure",
        Text("逾期披露年度报告", "disclosure report late"),
        Text("该报告在截止日之后提交", "that report submitted after its due date"),
        rule.late_points,
        None,
        Text("—", "—"),
    )
    return missing, late


def temporary_lines(rule: TemporaryReportRule) -> tuple[RuleLine, RuleLine]:
    """The temporary-report rules (``[temporary_report]``) in words: missing, then late."""
    n = rule.workdays
    counts = window_text(rule.window)
    counts = Text(
        f"截止日次日起 {counts.zh}，且不超过该处罚的公示期",
        f"{counts.en} from the day after the due date, while the penalty is published",
    )
    missing = RuleLine(
        rule.missing_id,
        "disclosure",
        Text("未披露临时报告", "temporary report missing"),
        Text(
            f"企业已列入处罚决定日所在年度或上一年度的依法披露名单，受到行政处罚后，"
            f"自处罚决定日起 {n} 个工作日内（遇法定节假日顺延、调休上班日计入）"
            "未披露临时环境信息依法披露报告",
            f"an enterprise on the obliged-to-disclose list for the year of a penalty's "
            f"decision or the year before has not filed its temporary disclosure report "
            f"(临时报告) within {n} working days of the decision date (Chinese public "
            "holidays skipped, make-up working days counted)",
        ),
        rule.missing_points,
        rule.cap,
        counts,
    )
    late = RuleLine(
        rule.late_id,
        "disclosure",
        Text("逾期披露临时报告", "temporary report late"),
        Text(
            f"该临时报告在截止日（处罚决定日后第 {n} 个工作日）之后披露",
            f"that temporary report filed after its due date ({n} working days after the decision)",
        ),
        rule.late_points,
        rule.cap,
        counts,
    )
    return missing, late


def _tipoff(rule: CountedRule) -> RuleLine:
    return RuleLine(
        rule.id,
        "tipoff",
        Text("举报属实", "substantiated tip-off"),
        Text("举报办结且属实", "tip-off closed as substantiated"),
        rule.points,
        rule.cap,
        _recent(rule.window, "办结日期", "closed_at"),
        window_text(rule.window),
    )


def _exceedance(rule: CountedRule) -> RuleLine:
    return RuleLine(
        rule.id,
        "exceedance",
        Text("自动监控超标", "monitored exceedance"),
        Text(
            "企业任一排放口任一污染物的有效小时均值（数据标记 N 或 T）高于该排放口的排放限值的"
            "一天（按北京时间计日；同一天不论超标小时数、排放口或污染物多少只计一次）",
            "a day (China time) on which at least one valid hourly mean (flag N or T) of any "
            "pollutant at any of the enterprise's outlets is above that outlet's limit for it "
            "(one per enterprise per day, however many hours, outlets or pollutants)",
        ),
        rule.points,
        rule.cap,
        _recent(rule.window, "超标日", "day"),
        window_text(rule.window),
    )


def _data_gap(rule: DataGapRule) -> RuleLine:
    share = f"{rule.min_share:.0%}"
    return RuleLine(
        rule.id,
        "data_gap",
        Text("自动监控数据缺失", "monitoring data gap"),
        Text(
            f"D 所在月之前 {rule.months} 个完整日历月中（只计排放口投运日及之后开始的月份），"
            f"有效小时均值不足该月小时数 {share} 的排放口月份",
            f"an outlet-month with valid hourly means for fewer than {share} of the hours of "
            f"the month; the months are the {rule.months} full calendar months before D's "
            "month, and only months that begin on or after the outlet's commissioned_on",
        ),
        rule.points,
        rule.cap,
        Text(
            f"D 所在月之前的 {rule.months} 个日历月",
            f"the {rule.months} calendar months before D's month",
        ),
    )


def _clean_years(rule: CleanYears) -> RuleLine:
    return RuleLine(
        rule.id,
        "clean_years",
        Text("无处罚年度加分", "bonus for clean years"),
        Text(
            f"D 之前最近 {rule.max} 个完整日历年中，"
            "每一个没有作出处罚决定（D 前已撤销的除外）的年度",
            f"each of the last {rule.max} whole calendar years before D in which no penalty "
            "was decided (penalties revoked by D aside)",
        ),
        rule.points,
        rule.points * rule.max,
        Text(f"D 之前的 {rule.max} 个日历年", f"the {rule.max} calendar years before D"),
    )


def pledge_line(rule: PledgeRule) -> RuleLine:
    """The optional pledge bonus (``[pledge]``) in words."""
    return RuleLine(
        rule.id,
        "pledge",
        Text("信用承诺加分", "bonus for a signed credit pledge"),
        Text(
            "企业管理员已为 D 所在年度签署信用承诺（信用承诺），且签署日不晚于 D",
            "the enterprise's manager signed the credit pledge (信用承诺) for D's calendar "
            "year on or before D",
        ),
        rule.points,
        None,
        Text("签署日至当年 12 月 31 日", "from the signing day to 31 December of that year"),
    )


def _veto(veto: Veto) -> RuleLine:
    counts = Text("—", "—")
    if veto.when == "penalty":
        zh, en = "计入的处罚", "a counting penalty"
        if veto.criminal_transfer:
            zh, en = zh + "移送公安（涉嫌环境犯罪）", en + " with `criminal_transfer` (移送公安)"
        if veto.kinds:
            kinds = sorted(veto.kinds, key=_kind_order)
            zh += "，处罚种类含" + "、".join(kinds)
            en += " whose kinds include " + _or(kinds, "or")
        topic = Text(zh, en)
    elif veto.when == "no_permit":
        zh_cat, en_cat = _categories(veto.categories)
        zh = f"许可类别为{zh_cat}，且 D 日无有效许可（无、过期或撤销）：无证排污"
        en = (
            f"permit category {en_cat} and no permit valid on D (none, expired or "
            "revoked): 无证排污"
        )
        topic = Text("无证排污", "no valid permit")
    elif veto.when == "inspection":
        outcome = veto.outcome or ""
        zh_outcome = OUTCOME_ZH.get(outcome, outcome)
        zh = f"检查结果为{zh_outcome}（{outcome}）"
        en = f"an inspection with outcome `{outcome}` ({zh_outcome})"
        topic = Text(f"检查{zh_outcome}", f"inspection {outcome}")
        if veto.window is not None:
            counts = _recent(veto.window, "检查日期", "inspection date")
    elif veto.when == "emission":
        ratio = f"{veto.over_ratio or 0:.0%}"
        zh = f"某污染物 D 上一年度的核算排放量超过许可量 {ratio} 以上"
        en = (
            f"a pollutant's accounted emission for D.year − 1 exceeds its permitted amount by "
            f"more than {ratio}"
        )
        topic = Text(f"超许可排放 {ratio}", f"emission over the permitted amount by > {ratio}")
    elif veto.when == "exceedance":
        zh = f"自动监控超标天数达到 {veto.min_days} 天或以上"
        en = f"{veto.min_days} or more exceedance days"
        topic = Text(f"超标 {veto.min_days} 天", f"{veto.min_days} exceedance days")
        if veto.window is not None:
            counts = _recent(veto.window, "超标日", "exceedance days")
    else:  # the loader accepts only the kinds above
        zh = en = veto.when
        topic = Text(zh, en)
    window = None if veto.window is None else window_text(veto.window)
    return RuleLine(veto.id, "veto", topic, Text(zh, en), 0, None, counts, window, veto.level)


def _kind_order(kind: str) -> tuple[int, str]:
    from credit.records.fields import PENALTY_KINDS

    return (PENALTY_KINDS.index(kind) if kind in PENALTY_KINDS else len(PENALTY_KINDS), kind)


def _levels(book: Rulebook) -> tuple[LevelBand, ...]:
    bands = []
    ceiling = book.max
    for level, minimum in book.levels:
        low = max(minimum, book.min)
        if low <= ceiling:
            bands.append(
                LevelBand(level, Text(LEVEL_NAMES[level], LEVEL_NAMES_EN[level]), low, ceiling)
            )
        ceiling = min(ceiling, minimum - 1)
    named = {b.level for b in bands}
    bands += [
        LevelBand(level, Text(LEVEL_NAMES[level], LEVEL_NAMES_EN[level]), None, None, True)
        for level in LEVEL_NAMES
        if level not in named
    ]
    return tuple(bands)


def _title(title: str, name: str) -> Text:
    parts = re.split(r"\s*/\s*", title, maxsplit=1)
    return Text(parts[0], parts[1]) if len(parts) == 2 else Text(title or name, title or name)


def describe(book: Rulebook) -> Description:
    """The rulebook as plain data, in the order the engine applies its rules."""
    rules: list[RuleLine] = [_penalty(r) for r in book.penalties]
    rules += [_surcharge(s) for s in book.surcharges]
    rules += [_inspection(r) for r in book.inspections]
    if book.tipoff is not None:
        rules.append(_tipoff(book.tipoff))
    if book.emission is not None:
        rules.append(_emission(book.emission))
    if book.disclosure is not None:
        rules += _disclosure(book.disclosure)
    if book.temporary_report is not None:
        rules += temporary_lines(book.temporary_report)
    if book.exceedance is not None:
        rules.append(_exceedance(book.exceedance))
    if book.data_gap is not None:
        rules.append(_data_gap(book.data_gap))
    if book.clean_years is not None:
        rules.append(_clean_years(book.clean_years))
    if book.pledge is not None:
        rules.append(pledge_line(book.pledge))
    rules = [_titled(book, line) for line in rules]
    return Description(
        name=book.name,
        version=book.version,
        effective_from=book.effective_from,
        title=_title(book.title, book.name),
        start=book.start,
        min=book.min,
        max=book.max,
        levels=_levels(book),
        rules=tuple(rules),
        vetoes=tuple(_titled(book, _veto(v)) for v in book.vetoes),
    )


def _titled(book: Rulebook, line: RuleLine) -> RuleLine:
    title = book.title_of(line.id)
    return line if title is None else replace(line, title=Text(*title))


def rule_labels(book: Rulebook) -> dict[str, Text]:
    """What people read for each rule id of ``book`` (explanations cite rules by id)."""
    d = describe(book)
    return {line.id: line.label for line in (*d.rules, *d.vetoes)}


def publication() -> tuple[Publication, ...]:
    """The default publication period of each severity and when repair may shorten it."""
    out = []
    for severity, zh in SEVERITY_ZH.items():
        repair = MIN_PERIOD.get(severity)
        out.append(
            Publication(
                severity,
                Text(zh, severity),
                _period(PUBLISH_PERIOD[severity]),
                None if repair is None else _period(repair),
            )
        )
    return tuple(out)


def non_repairable_kinds() -> tuple[str, ...]:
    """Kinds that make a grave penalty 特定严重失信: never repairable, public for its full term."""
    return NON_REPAIRABLE_KINDS


@dataclass(frozen=True, slots=True)
class Difference:
    """One topic across rulebooks: a short summary per rulebook (None: the rulebook lacks it)."""

    topic: Text
    values: tuple[Text | None, ...]

    @property
    def same(self) -> bool:
        return len(set(self.values)) == 1


def _summary(line: RuleLine) -> Text:
    if line.family == "veto":
        zh = en = f"→ {line.level}"
    else:
        zh = en = signed(line.points)
        if line.cap is not None:
            zh, en = f"{zh}，最多 {signed(line.cap)}", f"{en}, at most {signed(line.cap)}"
    if line.window is not None:
        zh, en = f"{zh}，{line.window.zh}", f"{en}, {line.window.en}"
    return Text(zh, en)


def compare(descriptions: Sequence[Description]) -> tuple[Difference, ...]:
    """Scale, levels and every rule topic, side by side (topics in order of first mention)."""
    rows = [
        Difference(
            Text("基础分（最低 … 最高）", "base score (min … max)"),
            tuple(
                Text(f"{d.start}（{_span(d)}）", f"{d.start} ({_span(d)})") for d in descriptions
            ),
        )
    ]
    for level in LEVEL_NAMES:
        bands = tuple(
            band_range(next(b for b in d.levels if b.level == level)) for d in descriptions
        )
        rows.append(Difference(Text(LEVEL_NAMES[level], level), bands))
    topics: dict[str, Text] = {}
    by_book: list[dict[str, RuleLine]] = []
    for d in descriptions:
        lines: dict[str, RuleLine] = {}
        for line in (*d.rules, *d.vetoes):
            key = f"{line.family}:{line.topic.en}"
            topics.setdefault(key, _topic(line))
            lines[key] = line
        by_book.append(lines)
    for key, topic in sorted(topics.items(), key=lambda kv: FAMILIES.index(kv[0].split(":")[0])):
        summaries = tuple(_summary(b[key]) if key in b else None for b in by_book)
        rows.append(Difference(topic, summaries))
    return tuple(rows)


#: the order of rule families in comparisons (the engine's order, vetoes last)
FAMILIES = (
    "penalty",
    "surcharge",
    "inspection",
    "tipoff",
    "emission",
    "disclosure",
    "exceedance",
    "data_gap",
    "clean_years",
    "pledge",
    "veto",
)


def _span(d: Description) -> str:
    return f"{number(d.min)} … {number(d.max)}"


def _topic(line: RuleLine) -> Text:
    if line.family == "veto":
        return Text(f"否决：{line.topic.zh}", f"veto: {line.topic.en}")
    return line.topic


def band_range(band: LevelBand) -> Text:
    """ "95–100", or "veto only" for a level no score reaches."""
    if band.veto_only or band.low is None or band.high is None:
        return Text("仅一票否决", "veto only")
    if band.low < 0:  # the rulebook's floor: "≤ 0 (down to −30)"
        return Text(
            f"≤ {number(band.high)}（最低 {number(band.low)}）",
            f"≤ {number(band.high)} (down to {number(band.low)})",
        )
    span = f"{number(band.low)}–{number(band.high)}"
    return Text(span, span)
