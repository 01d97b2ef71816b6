"""The two trend charts (a cadre's overall over cycles on 1–5, a town's total over quarters
on 0–120) drawn by one function: read back from the SVG, each point sits where its value
says on its own scale, with its value and period written beside it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.charts import score_trend, sparkline

SVG = "{http://www.w3.org/2000/svg}"


def points(svg: str) -> list[tuple[float, float]]:
    root = ET.fromstring(svg)
    line = root.find(f".//{SVG}polyline")
    assert line is not None
    return [tuple(map(float, p.split(","))) for p in line.attrib["points"].split()]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("chart", "values", "low", "high"),
    [
        (sparkline, [("2024", 1.0), ("2025", 3.0), ("2026", 5.0)], 1.0, 5.0),
        (score_trend, [("一季度", 0.0), ("二季度", 60.0), ("三季度", 120.0)], 0.0, 120.0),
    ],
)
def test_points_sit_on_their_scale(chart, values, low: float, high: float) -> None:  # type: ignore[no-untyped-def]
    svg = str(chart(values, "趋势"))
    (x0, bottom), (x1, middle), (x2, top) = points(svg)
    assert x0 < x1 < x2 and x1 - x0 == pytest.approx(x2 - x1)
    assert bottom > middle > top  # higher values draw higher
    assert middle == pytest.approx((bottom + top) / 2)  # linear on the stated scale
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    for label, value in values:
        assert label in texts
        assert any(t and t.startswith(str(int(value))) for t in texts)
    over = points(str(chart([("a", high + 50), ("b", low - 50)], "趋势")))
    assert over == [(x0, top), (x2, bottom)]  # clamped to the scale


def test_no_values_no_chart() -> None:
    assert str(sparkline([], "趋势")) == "" and str(score_trend([], "趋势")) == ""
