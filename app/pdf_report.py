"""The feedback report as a PDF a county would file: A4 pages with a header and "第 k 页 /
共 n 页", the overall with its interval, the competency chart and table, the trend with its
values, every competency's anchors now and next, blind spots, pooled comments and recommended
training. Drawn with reportlab (direct drawing keeps a report at a few tens of milliseconds
and byte-identical for the same result); Chinese text uses the system's WenQuanYi font when
installed (embedded, prints identically everywhere), else the standard STSong CID font."""

from __future__ import annotations

import io
from functools import cache
from itertools import pairwise
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
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from evaluation.results.feedback import CompetencyView, Feedback
from evaluation.words import label
from training.schemas import Recommendation

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
            "h2",
            parent=base,
            fontSize=12.5,
            leading=18,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3", parent=base, fontSize=10.5, leading=15, spaceBefore=7, keepWithNext=1
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


class NumberedCanvas(canvas.Canvas):
    """Draws every page's header and footer after the whole report is laid out, so each
    footer can say "第 k 页 / 共 n 页" (reportlab's documented two-pass canvas pattern)."""

    header = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab calls it by this name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._frame(total)
            super().showPage()
        super().save()

    def _frame(self, total: int) -> None:
        width, height = A4
        self.saveState()
        self.setFont(font(), 8)
        self.setFillColor(colors.HexColor("#52606d"))
        self.drawString(18 * mm, height - 10 * mm, "干部360评价 · 个人反馈报告")
        self.drawRightString(width - 18 * mm, height - 10 * mm, self.header)
        self.setStrokeColor(colors.HexColor("#cbd2d9"))
        self.line(18 * mm, height - 11.5 * mm, width - 18 * mm, height - 11.5 * mm)
        self.drawString(18 * mm, 9 * mm, "内部资料 · 仅供本人及组织人事部门使用")
        self.drawRightString(width - 18 * mm, 9 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
        self.restoreState()


def _trend(profile: Feedback, width: float) -> Drawing:
    """The overall score over the published cycles, each point labelled with its value."""
    points = profile.history
    height, left, right = 70, 24, 24
    drawing = Drawing(width, height)
    step = (width - left - right) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return 18 + (height - 34) * (min(max(value, 1), 5) - 1) / 4

    coords = [(left + step * i, y(p.overall)) for i, p in enumerate(points)]
    for (a, b), (c, d) in pairwise(coords):
        drawing.add(Line(a, b, c, d, strokeColor=colors.HexColor("#1f5f99"), strokeWidth=1.5))
    for point, (a, b) in zip(points, coords, strict=True):
        drawing.add(Circle(a, b, 2.8, fillColor=colors.HexColor("#1f5f99"), strokeWidth=0))
        drawing.add(
            String(
                a, b + 6, f"{point.overall:.2f}", fontName=font(), fontSize=9, textAnchor="middle"
            )
        )
        drawing.add(String(a, 3, point.label, fontName=font(), fontSize=8, textAnchor="middle"))
    return drawing


def _competency_section(row: CompetencyView, styles: dict[str, ParagraphStyle]) -> list[Any]:
    """One competency: its numbers, what the cadre's level looks like in behaviour, and what
    the next level looks like — the anchors are the feedback, the numbers only locate it."""
    head = f"{e(row.name)}（{e(row.dimension)}）"
    if row.withheld:
        return [
            Paragraph(head, styles["h3"]),
            Paragraph(f"{e(row.withheld)}（共 {row.n} 份评分）", styles["small"]),
        ]
    numbers = (
        f"得分 {_number(row.score)}，可能范围 {_number(row.lo)}–{_number(row.hi)}，"
        f"同类常模 {_number(row.norm)} · {label(row.light, 'light')} · {label(row.finding, 'finding')}"
    )
    if row.change is not None:
        numbers += f" · 较上期 {row.change.change:+.2f}（{row.change.change_lo:+.2f}~{row.change.change_hi:+.2f}）"
    parts = [Paragraph(head, styles["h3"]), Paragraph(numbers, styles["body"])]
    if row.definition:
        parts.append(Paragraph(f"能力含义：{e(row.definition)}", styles["small"]))
    if row.anchor is not None:
        parts.append(
            Paragraph(
                f"<b>当前水平（{row.anchor.level} 级 · {e(row.anchor.label)}）</b>：{e(row.anchor.behaviour)}",
                styles["body"],
            )
        )
    if row.next_anchor is not None:
        parts.append(
            Paragraph(
                f"<b>下一个水平（{row.next_anchor.level} 级 · {e(row.next_anchor.label)}）</b>："
                f"{e(row.next_anchor.behaviour)}",
                styles["body"],
            )
        )
    elif row.anchor is not None:
        parts.append(Paragraph("已达到最高水平：保持并带动身边同事。", styles["small"]))
    for item in row.evidence:
        parts.append(
            Paragraph(
                f"客观数据 · {e(item.name)}（{e(item.period)}）：{item.value:.2f}{e(item.unit)}，"
                f"对应 {item.level} 级 · {e(item.anchor_label)}",
                styles["small"],
            )
        )
    return [KeepTogether(parts)]


def feedback_pdf(
    profile: Feedback,
    corrections: list[str] | None = None,
    recommendations: list[Recommendation] | None = None,
) -> bytes:
    """The report a county files for one cadre and one cycle: the overall and its interval,
    the competency chart and table, the trend with its values, every competency with its
    anchors now and next, blind spots, pooled comments and recommended training; a header
    and "第 k 页 / 共 n 页" on every page. `corrections`: upheld appeals, printed under the
    overall (which already carries them)."""
    styles = _styles()
    buffer = io.BytesIO()
    person, cycle = profile.person, profile.cycle
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{person.name} · {cycle.name} 个人反馈报告",
        invariant=True,  # no creation time or random id: the same report is the same bytes
        author="干部360评价",
    )
    overall = f"综合得分 {_number(profile.overall)}（百分制 {_number(profile.overall_100, 0)}）"
    if profile.overall_lo is not None and profile.overall_hi is not None:
        overall += f"，可能范围 {_number(profile.overall_lo)}–{_number(profile.overall_hi)}"
    story: list[Any] = [
        Paragraph(f"{e(cycle.name)} · 个人反馈报告", styles["title"]),
        Paragraph(
            f"{e(person.name)} · {e(person.town)} {e(person.position)} · {overall}"
            + (f" · {label(profile.level, 'level')}" if profile.level else ""),
            styles["body"],
        ),
        Paragraph(
            "怎么读：<b>得分</b>已扣除评价人一贯偏宽或偏严的影响，评价人数少时向同类干部的平均水平靠拢；"
            "<b>可能范围</b>表示真实水平有九成把握落在这个范围内（90% 区间），范围越窄越可靠；"
            "<b>同类常模</b>是同类乡镇、同类岗位干部的平均水平。人数少于 3 人的评价组不单独显示。",
            styles["small"],
        ),
        *[Paragraph(f"复核更正：{e(text)}", styles["small"]) for text in corrections or []],
        Spacer(1, 6),
        Paragraph("各项能力一览（圆点为得分，色带为可能范围，虚线为同类常模）", styles["h2"]),
        _chart(profile, document.width),
    ]
    if len(profile.history) > 1:
        story += [Paragraph("历年综合得分", styles["h2"]), _trend(profile, document.width)]
    else:
        story.append(
            Paragraph("历年综合得分：本次为首次评价，暂无可比较的往年结果。", styles["small"])
        )
    story.append(Paragraph("各项能力", styles["h2"]))
    table = [["能力", "得分", "可能范围", "原始均分", "同类常模", "灯", "判断"]]
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
        colWidths=[30 * mm, 20 * mm, 26 * mm, 20 * mm, 20 * mm, 14 * mm, 44 * mm],
    )
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cbd2d9")),
                ("ALIGN", (1, 1), (-3, -1), "RIGHT"),
            ]
        )
    )
    story.append(grid)
    story.append(Paragraph("逐项说明：现在的水平与下一个水平", styles["h2"]))
    for row in profile.competencies:
        story += _competency_section(row, styles)
    story.append(Paragraph("自评与他评", styles["h2"]))
    if profile.gaps:
        for row in profile.gaps:
            story.append(
                Paragraph(
                    f"{e(row.name)}：{label(row.gap_kind, 'gap')}，自评 {_number(row.self_mean)}，"
                    f"他评得分 {_number(row.score)}",
                    styles["body"],
                )
            )
    else:
        story.append(Paragraph("自评与他评没有明显差异（或本人未自评）。", styles["body"]))
    story.append(Paragraph("匿名意见（已合并、打乱顺序）", styles["h2"]))
    if profile.comments:
        story += [Paragraph(f"· {e(text)}", styles["body"]) for text in profile.comments]
    else:
        story.append(
            Paragraph(
                "暂无可显示的意见（少于 5 份有效评价的评价组不提供意见，以保护匿名）。",
                styles["body"],
            )
        )
    story.append(Paragraph("推荐培训", styles["h2"]))
    if recommendations:
        for item in recommendations:
            kind = "专题培训" if item.kind == "workshop" else "跨乡镇交流"
            venue = f" · {e(item.venue)}" if item.venue else ""
            story.append(
                Paragraph(
                    f"<b>{e(item.title)}</b>（{kind} · {item.day}{venue}）：{e(item.reason)}",
                    styles["body"],
                )
            )
    else:
        story.append(Paragraph("暂无与短板对应、尚未举办的培训。", styles["body"]))
    header = f"{person.name} · {cycle.name}"
    document.build(story, canvasmaker=lambda *a, **k: _canvas(header, *a, **k))
    return buffer.getvalue()


def _canvas(header: str, *args: Any, **kwargs: Any) -> NumberedCanvas:
    made = NumberedCanvas(*args, **kwargs)
    made.header = header
    return made


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
