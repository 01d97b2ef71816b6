"""Server-rendered SVG charts: no JavaScript, no web fonts, print-friendly. Every chart has a
<title> and <desc> (read by screen readers) and the page beside it holds the same numbers
as a table, so nothing is only in the picture.

Scores are on the 1–5 anchor scale throughout."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup, escape

LIGHT_COLOURS = {"green": "#2e7d4f", "yellow": "#c99a06", "red": "#b3261e"}
INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#d9e2ec"
ACCENT = "#1f5f99"
SOFT = "#9fb3c8"


@dataclass(frozen=True)
class Interval:
    label: str
    score: float
    lo: float
    hi: float
    raw: float | None = None
    light: str = ""
    norm: float | None = None


def _svg(width: int, height: int, title: str, desc: str, body: str) -> Markup:
    key = hashlib.blake2s(f"{title}|{desc}".encode(), digest_size=4).hexdigest()  # unique ids
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-labelledby="t{key} d{key}" class="chart" font-family="sans-serif">'
        f'<title id="t{key}">{escape(title)}</title><desc id="d{key}">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def radar(points: Sequence[Interval], title: str, size: int = 212) -> Markup:
    """Calibrated scores on axes from 1 (centre) to 5 (rim), with the interval as a band and
    the comparable norm as a dashed outline where given."""
    if len(points) < 3:
        return bars(points, title)
    margin = 52  # room for labels (four characters a line) left and right of the rim
    centre = size / 2
    middle = margin + centre
    radius = size / 2 - 36
    count = len(points)

    def at(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        r = radius * (min(max(value, 1), 5) - 1) / 4
        return middle + r * math.cos(angle), centre + r * math.sin(angle)

    def polygon(values: Sequence[float]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (at(i, v) for i, v in enumerate(values)))

    parts = []
    for ring in (2, 3, 4, 5):
        parts.append(f'<polygon points="{polygon([ring] * count)}" fill="none" stroke="{GRID}"/>')
    for index, point in enumerate(points):
        x, y = at(index, 5)
        lx, ly = at(index, 5.55)
        anchor = "middle" if abs(lx - middle) < 10 else ("start" if lx > middle else "end")
        parts.append(
            f'<line x1="{middle}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        lines = [point.label[i : i + 4] for i in range(0, len(point.label), 4)]
        spans = "".join(
            f'<tspan x="{lx:.1f}" dy="{(-(len(lines) - 1) * 0.6 if k == 0 else 1.2):.1f}em">'
            f"{escape(line)}</tspan>"
            for k, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="12" fill="{INK}" text-anchor="{anchor}" '
            f'dominant-baseline="middle">{spans}</text>'
        )
    parts.append(
        f'<polygon points="{polygon([p.hi for p in points])}" fill="{SOFT}" fill-opacity="0.35" stroke="none"/>'
    )
    norms = [p.norm for p in points]
    if all(n is not None for n in norms):
        parts.append(
            f'<polygon points="{polygon([n or 0 for n in norms])}" fill="none" stroke="{MUTED}" '
            f'stroke-dasharray="4 3"/>'
        )
    parts.append(
        f'<polygon points="{polygon([p.score for p in points])}" fill="{ACCENT}" fill-opacity="0.25" '
        f'stroke="{ACCENT}" stroke-width="2"/>'
    )
    for index, point in enumerate(points):
        x, y = at(index, point.score)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LIGHT_COLOURS.get(point.light, ACCENT)}"/>'
        )
    desc = "；".join(f"{p.label} {p.score:.2f}（{p.lo:.2f}–{p.hi:.2f}）" for p in points)
    return _svg(size + 2 * margin, size, title, desc, "".join(parts))


def bars(points: Sequence[Interval], title: str, width: int = 320) -> Markup:
    """One row per item: the calibrated score as a dot on its 90% interval, the raw mean as
    a hollow mark, the norm as a tick; the 1–5 scale underneath."""
    row, top, right = 30, 8, 40
    left = 12 * max((len(p.label) for p in points), default=4) + 12  # the longest name fits
    width = max(width, left + 180 + right)
    height = top + row * len(points) + 26
    x, parts = _scale(left=left, right=right, top=top, width=width, height=height)
    for index, point in enumerate(points):
        y = top + row * index + row / 2
        colour = LIGHT_COLOURS.get(point.light, ACCENT)
        parts.append(
            f'<text x="{left - 8}" y="{y:.1f}" font-size="12" fill="{INK}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(point.label)}</text>'
            f'<line x1="{x(point.lo):.1f}" y1="{y:.1f}" x2="{x(point.hi):.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="6" stroke-opacity="0.35" stroke-linecap="round"/>'
        )
        if point.norm is not None:
            parts.append(
                f'<line x1="{x(point.norm):.1f}" y1="{y - 9:.1f}" x2="{x(point.norm):.1f}" '
                f'y2="{y + 9:.1f}" stroke="{MUTED}" stroke-dasharray="2 2"/>'
            )
        if point.raw is not None:
            parts.append(
                f'<circle cx="{x(point.raw):.1f}" cy="{y:.1f}" r="4" fill="white" stroke="{MUTED}" '
                f'stroke-width="1.5"/>'
            )
        parts.append(
            f'<circle cx="{x(point.score):.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
            f'<text x="{width - right + 6}" y="{y:.1f}" font-size="12" fill="{INK}" '
            f'dominant-baseline="middle">{point.score:.2f}</text>'
        )
    desc = "；".join(
        f"{p.label} 得分 {p.score:.2f}，可能范围 {p.lo:.2f}–{p.hi:.2f}"
        + (f"，原始均分 {p.raw:.2f}" if p.raw is not None else "")
        for p in points
    )
    return _svg(width, height, title, desc, "".join(parts))


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: dict[tuple[str, str], tuple[float, float, str, bool]],
    title: str,
) -> Markup:
    """Rows × columns of calibrated means. `cells`: (row, column) → (mean, norm, light,
    lagging). Fill shows the distance from the county norm of that column (blue above, red
    below, ±0.4 at full strength); the corner dot is the rubric's light; a lagging cell (its
    interval wholly below the norm) is outlined. Missing cells stay blank."""
    cell_w, cell_h, left, top = 62, 30, 96, 64
    width = left + cell_w * len(columns) + 8
    height = top + cell_h * len(rows) + 8
    parts = []
    for j, column in enumerate(columns):
        cx = left + cell_w * j + cell_w / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{top - 8}" font-size="11" fill="{INK}" text-anchor="start" '
            f'transform="rotate(-35 {cx:.1f} {top - 8})">{escape(column)}</text>'
        )
    for i, row in enumerate(rows):
        y = top + cell_h * i
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2:.1f}" font-size="12" fill="{INK}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(row)}</text>'
        )
        for j, column in enumerate(columns):
            if (row, column) not in cells:
                continue
            mean, norm, light, lagging = cells[(row, column)]
            x = left + cell_w * j
            gap = min(max((mean - norm) / 0.4, -1.0), 1.0)
            colour = "#2f6fb0" if gap >= 0 else "#c0392b"
            stroke = f' stroke="{INK}" stroke-width="2"' if lagging else ""
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                f'fill="{colour}" fill-opacity="{0.08 + 0.62 * abs(gap):.2f}"{stroke}>'
                f"<title>{escape(row)} · {escape(column)}：{mean:.2f}（全县 {norm:.2f}）</title></rect>"
                f'<circle cx="{x + cell_w - 8}" cy="{y + 8}" r="3.5" '
                f'fill="{LIGHT_COLOURS.get(light, SOFT)}"/>'
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2:.1f}" font-size="12" fill="{INK}" '
                f'text-anchor="middle" dominant-baseline="middle">{mean:.2f}</text>'
            )
    lagging_count = sum(1 for *_, lag in cells.values() if lag)
    desc = (
        f"{len(rows)} 行 × {len(columns)} 列的均分热力图：蓝色高于全县常模、红色低于常模，"
        f"角上圆点为亮灯，{lagging_count} 格整体低于常模（加粗边框）"
    )
    return _svg(width, height, title, desc, "".join(parts))


def distribution(
    groups: Sequence[tuple[str, Sequence[float]]], title: str, width: int = 560
) -> Markup:
    """One row per group: each value as a faint dot, the middle half as a box, the median
    as a bar — to see leniency and spread side by side."""
    row, top, left = 28, 8, 110
    height = top + row * len(groups) + 26
    x, parts = _scale(left=left, right=20, top=top, width=width, height=height)
    described = []
    for index, (label, values) in enumerate(groups):
        y = top + row * index + row / 2
        ordered = sorted(values)
        parts.append(
            f'<text x="{left - 8}" y="{y:.1f}" font-size="12" fill="{INK}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        if not ordered:
            continue
        q1, median, q3 = (_quantile(ordered, q) for q in (0.25, 0.5, 0.75))
        step = max(1, len(ordered) // 200)  # at most ~200 dots a row
        for value in ordered[::step]:
            parts.append(
                f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="1.8" fill="{ACCENT}" fill-opacity="0.25"/>'
            )
        parts.append(
            f'<rect x="{x(q1):.1f}" y="{y - 7:.1f}" width="{max(x(q3) - x(q1), 1):.1f}" height="14" '
            f'fill="none" stroke="{ACCENT}"/>'
            f'<line x1="{x(median):.1f}" y1="{y - 9:.1f}" x2="{x(median):.1f}" y2="{y + 9:.1f}" '
            f'stroke="{ACCENT}" stroke-width="3"/>'
        )
        described.append(
            f"{label} 中位数 {median:.2f}（四分位 {q1:.2f}–{q3:.2f}，{len(ordered)} 人）"
        )
    return _svg(width, height, title, "；".join(described), "".join(parts))


class TrendStyle(NamedTuple):
    """How a trend chart is drawn: its height, its fixed scale (low, high), its margins
    (side, top, bottom px), the size of the value labels and their decimals."""

    height: int
    scale: tuple[float, float]
    margins: tuple[int, int, int]
    label_size: int
    digits: int


CYCLES = TrendStyle(72, (1, 5), (24, 22, 20), 12, 2)  # a score over cycles, 1–5
QUARTERS = TrendStyle(
    64, (0, 120), (20, 8, 20), 11, 1
)  # a town's total over quarters (0–SCORE_MAX)


def _trend(
    values: Sequence[tuple[str, float]], title: str, width: int, style: TrendStyle
) -> Markup:
    """A value over periods: labelled points joined by a line, each with its value."""
    height, scale, margins, label_size, digits = style
    if not values:
        return Markup("")
    low, high = scale
    side, top, bottom = margins
    step = (width - 2 * side) / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (high - min(max(value, low), high)) / (high - low)

    coords = [(side + step * i, y(v)) for i, (_, v) in enumerate(values)]
    path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
    parts = [f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>']
    lift = label_size // 2 + 1
    for (label, value), (a, b) in zip(values, coords, strict=True):
        parts.append(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{ACCENT}"/>'
            f'<text x="{a:.1f}" y="{b - lift:.1f}" font-size="{label_size}" fill="{INK}" '
            f'text-anchor="middle">{value:.{digits}f}</text>'
            f'<text x="{a:.1f}" y="{height - 3}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    desc = "；".join(f"{label}：{value:.{digits}f}" for label, value in values)
    return _svg(width, height, title, desc, "".join(parts))


def sparkline(values: Sequence[tuple[str, float]], title: str, width: int = 200) -> Markup:
    """A score over cycles on the 1–5 scale."""
    return _trend(values, title, width, CYCLES)


def _scale(
    left: int, right: int, top: int, width: int, height: int
) -> tuple[Callable[[float], float], list[str]]:
    """The horizontal 1–5 anchor scale: a position function and its grid lines and labels."""
    span = width - left - right

    def x(value: float) -> float:
        return left + span * (min(max(value, 1), 5) - 1) / 4

    parts = [
        f'<line x1="{x(level):.1f}" y1="{top}" x2="{x(level):.1f}" y2="{height - 22}" stroke="{GRID}"/>'
        f'<text x="{x(level):.1f}" y="{height - 8}" font-size="11" fill="{MUTED}" '
        f'text-anchor="middle">{level}</text>'
        for level in (1, 2, 3, 4, 5)
    ]
    return x, parts


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ---- the township scorecard: scores on 0–100 (up to 120 with over-attainment) ----------

SCORE_MAX = 120.0


def _score_colour(value: float) -> str:
    if value < 60:
        return LIGHT_COLOURS["red"]
    if value < 80:
        return LIGHT_COLOURS["yellow"]
    return LIGHT_COLOURS["green"]


def score_heatmap(
    rows: Sequence[str], columns: Sequence[str], cells: dict[tuple[str, str], float], title: str
) -> Markup:
    """Towns × dimensions: the score in each cell, its colour by the scorecard's bands (green
    from 80, yellow from 60, red below), stronger the further from 80."""
    cell_w, cell_h, left, top = 70, 26, 96, 34
    width = left + cell_w * len(columns) + 8
    height = top + cell_h * len(rows) + 8
    parts = [
        f'<text x="{left + cell_w * j + cell_w / 2:.1f}" y="{top - 10}" font-size="12" '
        f'fill="{INK}" text-anchor="middle">{escape(column)}</text>'
        for j, column in enumerate(columns)
    ]
    for i, row in enumerate(rows):
        y = top + cell_h * i
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2:.1f}" font-size="12" fill="{INK}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(row)}</text>'
        )
        for j, column in enumerate(columns):
            if (row, column) not in cells:
                continue
            value = cells[(row, column)]
            strength = min(abs(value - 80) / 40, 1.0)
            x = left + cell_w * j
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                f'fill="{_score_colour(value)}" fill-opacity="{0.12 + 0.5 * strength:.2f}">'
                f"<title>{escape(row)} · {escape(column)}：{value:.1f}</title></rect>"
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2:.1f}" font-size="12" '
                f'fill="{INK}" text-anchor="middle" dominant-baseline="middle">{value:.1f}</text>'
            )
    low = sum(1 for v in cells.values() if v < 60)
    desc = f"{len(rows)} 个乡镇 × {len(columns)} 个维度的得分热力图：绿色 80 分以上，黄色 60–80，红色低于 60（{low} 格）"
    return _svg(width, height, title, desc, "".join(parts))


def score_bars(values: Sequence[tuple[str, float | None]], title: str, width: int = 320) -> Markup:
    """One bar per dimension on 0–120, with the 60 and 80 lines marked."""
    shown = [(label, v) for label, v in values if v is not None]
    if not shown:
        return Markup("")
    row, top, left, right = 28, 6, 72, 48
    height = top + row * len(shown) + 18
    span = width - left - right

    def x(value: float) -> float:
        return left + span * min(max(value, 0), SCORE_MAX) / SCORE_MAX

    parts = [
        f'<line x1="{x(mark):.1f}" y1="{top}" x2="{x(mark):.1f}" y2="{height - 14}" '
        f'stroke="{GRID}" stroke-dasharray="3 3"/>'
        f'<text x="{x(mark):.1f}" y="{height - 2}" font-size="11" fill="{MUTED}" '
        f'text-anchor="middle">{mark}</text>'
        for mark in (0, 60, 80, 100, 120)
    ]
    for index, (label, value) in enumerate(shown):
        y = top + row * index
        parts.append(
            f'<text x="{left - 6}" y="{y + row / 2:.1f}" font-size="12" fill="{INK}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 6}" width="{x(value) - left:.1f}" height="{row - 12}" '
            f'rx="3" fill="{_score_colour(value)}" fill-opacity="0.8"/>'
            f'<text x="{x(value) + 4:.1f}" y="{y + row / 2:.1f}" font-size="12" fill="{INK}" '
            f'dominant-baseline="middle">{value:.1f}</text>'
        )
    desc = "；".join(f"{label} {value:.1f} 分" for label, value in shown)
    return _svg(width, height, title, desc, "".join(parts))


def score_trend(values: Sequence[tuple[str, float]], title: str, width: int = 240) -> Markup:
    """Totals quarter by quarter on 0–120."""
    return _trend(values, title, width, QUARTERS)
