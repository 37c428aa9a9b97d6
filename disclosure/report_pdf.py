"""The 企业环境信用报告 as a PDF (reportlab): what ``credit.records.reports`` says, laid out.

Chinese text needs a CJK font: a TrueType font from Debian (``fonts-wqy-microhei``, which
``make browser-deps`` installs; ``REPORT_FONT`` may name another .ttf/.ttc) is embedded; when
none is found, reportlab's built-in Adobe CID font ``STSong-Light`` is used (readers supply
its glyphs), and a warning says which font to install, so a report always has its Chinese.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from core.messages import in_language
from credit.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from credit.records.reports import IssuedReport
from credit.records.snapshots import yuan

log = logging.getLogger(__name__)

#: TrueType CJK fonts reportlab can embed, first found wins (OpenType/CFF ones it cannot)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
#: the level badge colours, as the site's stylesheet (background, text)
LEVEL_COLOURS = {
    "green": ("#1e7b34", "#ffffff"),
    "blue": ("#1f5fa8", "#ffffff"),
    "yellow": ("#f2c200", "#1d2327"),
    "red": ("#c0262d", "#ffffff"),
    "black": ("#111111", "#ffffff"),
}


@cache
def report_font(configured: str | None = None) -> str:
    """The registered name of the font reports use (embedded TrueType, else STSong-Light)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path and Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont("ReportCJK", path, subfontIndex=0))
            except Exception:  # not a TrueType font reportlab reads (e.g. CFF outlines)
                log.warning("report font %s cannot be embedded; trying the next one", path)
                continue
            return "ReportCJK"
    log.warning(
        "no TrueType CJK font found (install fonts-wqy-microhei, e.g. `make browser-deps`, "
        "or set REPORT_FONT); PDF reports use the non-embedded CID font STSong-Light"
    )
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _qr(url: str, size: float) -> Any:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


class _Pdf:
    """The report's building blocks in one language: styles, paragraphs and tables."""

    def __init__(self, lang: str) -> None:
        from reportlab.lib.styles import ParagraphStyle

        self.lang = lang
        self.english = lang.startswith("en")
        self.font = report_font(current_app.config.get("REPORT_FONT"))
        wrap = None if self.english else "CJK"
        self.body = ParagraphStyle(
            "body", fontName=self.font, fontSize=9.5, leading=14, wordWrap=wrap
        )
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=8, leading=11, textColor="#444444"
        )
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=17, leading=24, spaceAfter=4)
        self.h2 = ParagraphStyle(
            "h2", parent=self.body, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4
        )
        self.names = LEVEL_NAMES_EN if self.english else LEVEL_NAMES

    def p(self, text: Any, style: Any = None) -> Any:
        from xml.sax.saxutils import escape

        from reportlab.platypus import Paragraph

        return Paragraph(escape("" if text is None else str(text)), style or self.body)

    def t(self, pair: dict[str, str] | None) -> str:
        return in_language((pair["zh"], pair["en"]), self.lang) if pair else ""

    def table(self, rows: list[list[Any]], widths: list[float], header: bool = True) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import Paragraph, Table, TableStyle

        cells = [
            [c if isinstance(c, Paragraph) else self.p(c, self.small) for c in r] for r in rows
        ]
        out = Table(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecef")))
        out.setStyle(TableStyle(style))
        return out

    def badge(self, level: str) -> Any:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm
        from reportlab.platypus import Table, TableStyle

        bg, fg = LEVEL_COLOURS.get(level, ("#555555", "#ffffff"))
        style = ParagraphStyle(
            "badge", parent=self.body, fontSize=13, leading=18, textColor=fg, alignment=1
        )
        badge = Table(
            [[self.p(self.names.get(level, level), style)]], colWidths=[60 * mm], hAlign="LEFT"
        )
        badge.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(bg)),
                    ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ]
            )
        )
        return badge


def _identity(pdf: _Pdf, site: str, facts: dict[str, Any]) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer
    from reportlab.platypus.flowables import HRFlowable

    ent = facts["enterprise"]
    return [
        pdf.p(site, pdf.small),
        pdf.p(_("企业环境信用报告"), pdf.h1),
        HRFlowable(width="100%", thickness=0.8, color=colors.HexColor("#1f5fa8")),
        Spacer(1, 4),
        pdf.table(
            [
                [_("企业名称"), ent["name"]],
                [_("统一社会信用代码"), ent["uscc"]],
                [_("地址"), ent.get("address") or "—"],
                [_("所在地区"), ent.get("region") or "—"],
                [_("报告日期"), facts["date"]],
            ],
            [38 * mm, 132 * mm],
            header=False,
        ),
    ]


def _rating(pdf: _Pdf, rating: dict[str, Any] | None) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    story: list[Any] = [pdf.p(_("信用评价"), pdf.h2)]
    if rating is None:
        return [*story, pdf.p(_("尚未评价"))]
    low, high = rating["scale"]
    story += [
        pdf.badge(rating["level"]),
        Spacer(1, 4),
        pdf.p(
            _("得分 %(score)s（%(low)s–%(high)s 分）", score=rating["score"], low=low, high=high)
        ),
        pdf.p(pdf.t(rating["summary"])),
    ]
    if rating["veto"]:
        story.append(pdf.p(pdf.t(rating["veto"])))
    if rating["adjusted"]:
        story.append(pdf.p(_("监管部门已调整等级。")))
    story.append(pdf.p(pdf.t(rating["measures"]), pdf.small))
    if rating["reasons"]:
        rows: list[list[Any]] = [[_("原因"), _("扣分"), _("记录"), _("计分截止")]]
        for reason in rating["reasons"]:
            record = reason["record"]
            cited = " ".join(x for x in (record["name"], record["date"]) if x) if record else ""
            rows.append(
                [
                    pdf.t(reason["label"])
                    + (f"（{reason['detail']}）" if reason["detail"] else ""),
                    str(reason["points"]) if reason["points"] else "—",
                    cited or "—",
                    reason["counts_until"] or "—",
                ]
            )
        story += [Spacer(1, 4), pdf.table(rows, [70 * mm, 18 * mm, 55 * mm, 27 * mm])]
    version = _(
        "规则版本：%(rulebook)s（评价日期 %(date)s）",
        rulebook=rating["rulebook"],
        date=rating["as_of"],
    )
    return [*story, Spacer(1, 4), pdf.p(version, pdf.small)]


def _records(pdf: _Pdf, facts: dict[str, Any]) -> list[Any]:
    """The published penalties and the rating history."""
    from reportlab.lib.units import mm

    story: list[Any] = [pdf.p(_("公示中的行政处罚"), pdf.h2)]
    if facts["penalties"]:
        rows = [[_("决定书文号"), _("决定日期"), _("处罚机关"), _("违法类型"), _("罚款（元）")]]
        rows += [
            [
                pen["decision_no"],
                pen["decision_date"],
                pen["authority"],
                pen["violation_type"],
                yuan(pen["fine_fen"]),
            ]
            for pen in facts["penalties"]
        ]
        story.append(pdf.table(rows, [45 * mm, 22 * mm, 40 * mm, 40 * mm, 23 * mm]))
    else:
        story.append(pdf.p(_("无公示中的行政处罚。")))
    story.append(pdf.p(_("评价历史"), pdf.h2))
    if facts["history"]:
        rows = [[_("评价日期"), _("等级"), _("得分")]]
        rows += [
            [h["as_of"], pdf.names.get(h["level"], h["level"]), str(h["score"])]
            for h in facts["history"]
        ]
        story.append(pdf.table(rows, [40 * mm, 70 * mm, 25 * mm]))
    else:
        story.append(pdf.p(_("尚未评价")))
    return story


def _verification(pdf: _Pdf, report: IssuedReport, page_url: str, verify_url: str) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    qr_size = 32 * mm
    check = Table(
        [
            [
                _qr(verify_url, qr_size),
                [
                    pdf.p(_("报告验证"), pdf.h2),
                    pdf.p(_("验证码：%(code)s", code=report.code)),
                    pdf.p(
                        _("内容摘要（SHA-256）：%(hash)s", hash=report.verification.content_sha256),
                        pdf.small,
                    ),
                    pdf.p(
                        _("扫码或访问以下地址，核对本报告是否由本平台出具、内容是否被改动："),
                        pdf.small,
                    ),
                    pdf.p(verify_url, pdf.small),
                    pdf.p(_("企业页面：%(url)s", url=page_url), pdf.small),
                ],
            ]
        ],
        colWidths=[qr_size + 6 * mm, 134 * mm],
        hAlign="LEFT",
    )
    check.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Spacer(1, 8), KeepTogether([check])]


def render_report(report: IssuedReport, lang: str, page_url: str, verify_url: str) -> bytes:
    """The PDF of ``report`` in ``lang`` ("zh-CN" or "en")."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm

    pdf = _Pdf(lang)
    site = _(str(current_app.config["SITE_NAME"]))
    facts = report.facts
    story = [
        *_identity(pdf, site, facts),
        *_rating(pdf, facts["rating"]),
        *_records(pdf, facts),
        *_verification(pdf, report, page_url, verify_url),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(pdf.font, 7.5)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(20 * mm, 10 * mm, f"{site} · {_('企业环境信用报告')} · {facts['date']}")
        canvas.drawRightString(190 * mm, 10 * mm, f"{report.code} · {doc.page}")
        canvas.restoreState()

    ent = facts["enterprise"]
    return a4_pdf(
        pdf,
        story,
        title=f"{_('企业环境信用报告')} · {ent['name']}",
        author=str(current_app.config.get("SITE_AUTHORITY") or site),
        subject=ent["uscc"],
        creator="envcredit",
        footer=footer,
    )


def a4_pdf(
    pdf: _Pdf,
    story: list[Any],
    *,
    title: str,
    author: str,
    subject: str,
    creator: str,
    footer: Any = None,
) -> bytes:
    """The story as an A4 PDF with the site's margins, metadata and language, reproducible
    (``invariant``); ``footer`` draws on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=subject,
        creator=creator,
        lang="en" if pdf.english else "zh-CN",
        invariant=True,
    )
    pages = {"onFirstPage": footer, "onLaterPages": footer} if footer else {}
    doc.build(story, **pages)
    return out.getvalue()
