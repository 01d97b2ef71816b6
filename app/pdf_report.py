"""The feedback report as a PDF a county would file: A4, a title block, the competency
table with intervals, a bar chart, blind spots and hidden strengths, development focus and
pooled comments. Drawn with reportlab; Chinese text uses the system's WenQuanYi font when
installed (embedded, prints identically everywhere), else the standard STSong CID font."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as e

from reportlab.graphics.shapes import Circle, Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.labels import label
from evaluation.results.feedback import Feedback

FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
LIGHTS = {
    "green": colors.HexColor("#2e7d4f"),
    "yellow": colors.HexColor("#c99a06"),
    "red": colors.HexColor("#b3261e"),
}


@cache
def font() -> str:
    for path in FONT_FILES:
        if path.exists():
            pdfmetrics.registerFont(TTFont("CJK", str(path), subfontIndex=0))
            return "CJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _styles() -> dict[str, ParagraphStyle]:
    name = font()
    base = ParagraphStyle("body", fontName=name, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=4
        ),
        "body": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#52606d")
        ),
    }


def _chart(profile: Feedback, width: float) -> Drawing:
    rows = [c for c in profile.competencies if c.score is not None]
    row_h, left, right = 16, 92, 30
    drawing = Drawing(width, row_h * len(rows) + 22)
    span = width - left - right

    def x(value: float | None) -> float:
        return left + span * (min(max(value or 1.0, 1), 5) - 1) / 4

    top = drawing.height - 6
    for level in range(1, 6):
        drawing.add(Line(x(level), 16, x(level), top, strokeColor=colors.HexColor("#d9e2ec")))
        drawing.add(
            String(x(level), 4, str(level), fontName=font(), fontSize=7, textAnchor="middle")
        )
    for index, row in enumerate(rows):
        y = top - row_h * index - row_h / 2
        colour = LIGHTS.get(row.light or "", colors.HexColor("#1f5f99"))
        drawing.add(
            String(left - 6, y - 3, row.name, fontName=font(), fontSize=8, textAnchor="end")
        )
        drawing.add(
            Line(
                x(row.lo),
                y,
                x(row.hi),
                y,
                strokeColor=colour,
                strokeWidth=4,
                strokeOpacity=0.4,
            )
        )
        drawing.add(
            Line(
                x(row.norm),
                y - 6,
                x(row.norm),
                y + 6,
                strokeColor=colors.grey,
                strokeDashArray=[2, 2],
            )
        )
        drawing.add(Circle(x(row.score), y, 3.2, fillColor=colour, strokeColor=colour))
        drawing.add(
            String(width - right + 4, y - 3, f"{row.score:.2f}", fontName=font(), fontSize=8)
        )
    return drawing


def feedback_pdf(profile: Feedback, corrections: list[str] | None = None) -> bytes:
    """The cadre's report; `corrections`: the upheld appeals' corrections, each with its
    reason, printed under the overall (the overall already carries them)."""
    styles = _styles()
    buffer = io.BytesIO()
    person, cycle = profile.person, profile.cycle
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{person.name} · {cycle.name} 个人反馈报告",
        invariant=True,  # no creation time or random id: the same report is the same bytes
        author="干部360评价",
    )
    story: list[Any] = [
        Paragraph(f"{e(cycle.name)} · 个人反馈报告", styles["title"]),
        Paragraph(
            f"{e(person.name)} · {e(person.town)} {e(person.position)} · "
            f"综合得分 {_number(profile.overall)}（百分制 {_number(profile.overall_100, 0)}）",
            styles["body"],
        ),
        Paragraph(
            "得分已按评价人的宽严程度校准，并在证据不足时向同类干部常模收缩；区间为 90% 可信区间。"
            "人数少于 3 人的评价组不单独显示。",
            styles["small"],
        ),
        *[Paragraph(f"复核更正：{e(text)}", styles["small"]) for text in corrections or []],
        Spacer(1, 6),
        _chart(profile, document.width),
        Paragraph("各项能力", styles["h2"]),
    ]
    table = [["能力", "校准得分", "90%区间", "原始均分", "同类常模", "灯", "判断"]]
    for row in profile.competencies:
        if row.withheld:
            table.append([row.name, "—", "—", "—", "—", "", "不显示"])
            continue
        table.append(
            [
                row.name,
                _number(row.score),
                f"{_number(row.lo)}–{_number(row.hi)}",
                _number(row.raw_mean),
                _number(row.norm),
                label(row.light, "light"),
                label(row.finding, "finding"),
            ]
        )
    grid = Table(
        table,
        repeatRows=1,
        colWidths=[30 * mm, 20 * mm, 26 * mm, 20 * mm, 20 * mm, 14 * mm, 22 * mm],
    )
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cbd2d9")),
                ("ALIGN", (1, 1), (-2, -1), "RIGHT"),
            ]
        )
    )
    story.append(grid)
    evidence = [(c.name, e) for c in profile.competencies for e in c.evidence]
    if evidence:
        story.append(Paragraph("客观数据", styles["h2"]))
        for name, item in evidence:
            story.append(
                Paragraph(
                    f"{e(name)} · {e(item.name)}（{e(item.period)}）：{item.value:.2f}{e(item.unit)}，"
                    f"对应 {item.level} 级 · {e(item.anchor_label)}",
                    styles["body"],
                )
            )
    if profile.weaknesses:
        story.append(Paragraph("发展重点", styles["h2"]))
        for row in profile.weaknesses:
            if row.anchor:
                story.append(
                    Paragraph(
                        f"<b>{e(row.name)}</b>：当前水平——{e(row.anchor.behaviour)}",
                        styles["body"],
                    )
                )
            if row.next_anchor:
                story.append(
                    Paragraph(f"下一个水平——{e(row.next_anchor.behaviour)}", styles["small"])
                )
    if profile.gaps:
        story.append(Paragraph("自评与他评", styles["h2"]))
        for row in profile.gaps:
            story.append(
                Paragraph(
                    f"{e(row.name)}：{label(row.gap_kind, 'gap')}，自评 {_number(row.self_mean)}，他评校准 {_number(row.score)}",
                    styles["body"],
                )
            )
    if profile.comments:
        story.append(Paragraph("匿名意见（已合并、打乱顺序）", styles["h2"]))
        for text in profile.comments:
            story.append(Paragraph(f"· {e(text)}", styles["body"]))
    document.build(story)
    return buffer.getvalue()


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
