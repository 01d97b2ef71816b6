"""The 绩效责任书 as a town prints it (issue 30): before, on A4 its 年度目标 column was cut and
its 说明 missing, and it was "confirmed" by the data clerk. Chromium prints the contract page
to an A4 PDF; read back with pdftotext, every row's target and 说明, the rules and both
parties' signature and seal lines are on the paper, and the PDF is one A4 width."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_rating_journey import log_in

pytestmark = pytest.mark.browser
A4_POINTS = (595.3, 841.9)  # 210 × 297 mm


def test_the_contract_prints_on_a4_with_every_column_and_both_signatures(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "reporter")
    page.wait_for_url("**/town**")
    page.get_by_role("link", name="查看绩效责任书").click()
    rows = page.locator("#contract-targets tbody tr")
    targets = [
        row.locator("td").nth(3).inner_text().split()[0] for row in rows.all()
    ]  # as the screen shows them
    notes = [row.locator("td").nth(4).inner_text() for row in rows.all()]
    assert targets and all(notes), "every row has its 说明"
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    context.close()

    sizes = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    width, height = (
        float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", sizes).groups()
    )  # type: ignore[union-attr]
    assert abs(width - A4_POINTS[0]) < 1.5 and abs(height - A4_POINTS[1]) < 1.5, (width, height)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    for header in ("维度", "指标", "计分方法", "年度目标", "说明"):
        assert header in flat, header
    for target in targets:
        assert target in flat, f"target {target} cut from the page"
    for note in notes:
        assert re.sub(r"\s+", "", note)[:12] in flat, f"说明 {note[:12]} missing"
    for line in ("甲方：县考核办", "负责人（签字）", "党委书记（签字）", "（盖章）", "亮灯"):
        assert line in flat, line
    assert flat.count("（盖章）") >= 2  # both parties' seals
