"""The submitted annual disclosure report as a PDF (reportlab), from its frozen snapshot:
the same parts and records as its public page, with the CJK font of the credit report."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from core.messages import in_language
from credit.annual_reports.parts import PARTS
from credit.annual_reports.published import Published
from disclosure.report_pdf import _Pdf, a4_pdf


def _records(pdf: _Pdf, key: str, records: dict[str, Any]) -> list[Any]:
    from reportlab.lib.units import mm

    if key == "permits" and records["permits"]:
        rows = [[_("许可证编号"), _("有效期"), _("许可排放量（吨/年）")]]
        for p in records["permits"]:
            limits = "；".join(f"{x['pollutant']} {x['tonnes']}" for x in p["limits"]) or "—"
            rows.append([p["permit_no"], f"{p['valid_from']} – {p['valid_until']}", limits])
        return [pdf.table(rows, [50 * mm, 45 * mm, 75 * mm])]
    if key == "penalties":
        if not records["penalties"]:
            return [pdf.p(_("本年度无公示中的行政处罚。"))]
        rows = [[_("决定书文号"), _("决定日期"), _("违法类型")]]
        rows += [
            [x["decision_no"], x["decision_date"], x["violation_type"]]
            for x in records["penalties"]
        ]
        return [pdf.p(_("行政处罚"), pdf.body), pdf.table(rows, [55 * mm, 30 * mm, 85 * mm])]
    if key == "rating":
        r = records["rating"]
        if r is None:
            return [pdf.p(_("环境信用评价：尚未评价"))]
        level = pdf.names.get(r["level"], r["level"])
        return [
            pdf.p(
                _(
                    "环境信用评价：%(level)s（%(score)s 分，评价日期 %(date)s）",
                    level=level,
                    score=r["score"],
                    date=r["as_of"],
                )
            )
        ]
    return []


def _value(pdf: _Pdf, kind: str, value: Any) -> Any:
    from reportlab.lib.units import mm

    if kind == "emissions":
        rows = [[_("污染物"), _("年度排放量（吨）")]]
        rows += [[r["pollutant"], r["tonnes"]] for r in value or []]
        return pdf.table(rows, [60 * mm, 50 * mm])
    return pdf.p(value or "—")


def render_annual_report(pub: Published, lang: str, page_url: str) -> bytes:
    """The PDF of a submitted report in ``lang`` ("zh-CN" or "en")."""

    pdf = _Pdf(lang)
    snap = pub.report.snapshot or {}
    answers, records = snap["answers"], snap["records"]
    title = _("%(year)s 年度企业环境信息依法披露报告", year=pub.report.year)
    story: list[Any] = [
        pdf.p(title, pdf.h1),
        pdf.p(f"{pub.name} · {pub.uscc}"),
        pdf.p(_("提交日期：%(date)s（北京时间）", date=snap["submitted_on"]), pdf.small),
        pdf.p(_("公开地址：%(url)s", url=page_url), pdf.small),
    ]
    for number, part in enumerate(PARTS, start=1):
        story.append(pdf.p(f"{number}. {in_language(part.title, lang)}", pdf.h2))
        for key in part.prefilled:
            story += _records(pdf, key, records)
        given = answers.get(part.key) or {}
        for f in part.fields:
            story.append(pdf.p(in_language(f.label, lang), pdf.small))
            story.append(_value(pdf, f.kind, given.get(f.key)))
    return a4_pdf(
        pdf,
        story,
        title=f"{title} · {pub.name}",
        author=pub.name,
        subject=pub.uscc,
        creator=str(current_app.config.get("SITE_NAME") or "envcredit"),
    )
