"""Results journeys in headless Chromium on the demo county (two published cycles): a cadre
reads their feedback and downloads the PDF; a leader opens a team member's profile; the
office opens the heatmap and downloads the Excel export; anyone reads the public page."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def signed_in(browser, live_server: str, username: str, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return context, page


def test_cadre_reads_feedback_and_downloads_the_pdf(
    browser, live_server: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, live_server, "cadre", PHONE)
    page.locator("#feedback-link").click()
    page.wait_for_load_state()
    assert page.url.endswith("/me/feedback")
    assert page.locator("svg.chart").count() >= 2
    assert page.locator("#scores tbody tr").count() >= 8
    assert "下一个水平" in page.locator("main").inner_text()
    screenshot(page, "results-cadre-feedback")
    with page.expect_download() as download:
        page.locator("#pdf").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as file:
        assert file.read(4) == b"%PDF"
    check_the_filed_report(Path(pdf.path()), page, tmp_path)
    context.close()


def check_the_filed_report(pdf: Path, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The PDF is the whole report: rendered page by page (pdftoppm), each page carries the
    header and "第 k 页 / 共 n 页"; every competency on the web page appears with its anchors
    now and next; the trend's values and the recommended sessions match the web page."""
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) >= 2  # no longer one page
    texts = [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(k), "-l", str(k), str(pdf), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        for k in range(1, len(images) + 1)
    ]
    for k, text in enumerate(texts, start=1):
        assert "干部360评价" in "".join(text.splitlines()[:3])  # the header
        folio = re.search(r"第\s*(\d+)\s*页\s*/\s*共\s*(\d+)\s*页", text)
        assert folio and folio.groups() == (str(k), str(len(images))), text[-200:]
    whole = re.sub(r"\s+", "", "".join(texts))
    names = page.locator("#scores tbody th").evaluate_all(
        "cells => cells.map(c => c.firstChild.textContent.trim())"
    )
    assert len(names) >= 8
    for name in names:
        assert f"{name}（" in whole
    assert whole.count("当前水平（") >= len(names) - 1  # a withheld competency has none
    assert whole.count("下一个水平（") + whole.count("已达到最高水平") >= len(names) - 1
    trend = page.locator(".trend svg desc").first.text_content() or ""
    assert re.findall(r"：(\d\.\d\d)", trend)
    for value in re.findall(r"：(\d\.\d\d)", trend):
        assert value in whole
    for title in page.locator("#training li strong").all_inner_texts():
        assert re.sub(r"\s+", "", title) in whole
    assert "自评与他评" in whole and "匿名意见" in whole and "推荐培训" in whole


def test_leader_opens_a_team_members_profile(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, live_server, "leader", PHONE)
    page.goto(f"{live_server}/team")
    link = page.locator("#team a[href^='/team/']").first
    name = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert name in page.locator("h1").inner_text()
    assert "您直接领导的干部" in page.locator(".lead").inner_text()
    screenshot(page, "results-leader-member")
    context.close()


def test_office_opens_the_heatmap_and_downloads_excel(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, live_server, "office", DESKTOP)
    page.goto(f"{live_server}/office/cycles")
    page.get_by_role("link", name="年度干部综合评价").nth(1).click()  # the newest published year
    page.wait_for_load_state()
    page.get_by_role("link", name="查看结果").click()
    page.wait_for_load_state()
    assert page.locator("#heatmap svg rect").count() >= 4 * 8
    assert page.locator("#bottlenecks tbody tr").count() >= 1
    screenshot(page, "results-office-heatmap")
    with page.expect_download() as download:
        page.locator("#export").click()
    with open(download.value.path(), "rb") as file:
        towns = pl.read_excel(io.BytesIO(file.read()), sheet_name="乡镇×能力")
    assert towns.height >= 4 * 8
    context.close()


def test_public_results_page_needs_no_login(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/results")
    page.locator("main a").first.click()
    page.wait_for_load_state()
    assert "/login" not in page.url
    assert page.locator("#heatmap svg").count() == 1
    assert page.locator("#town-table tbody tr").count() >= 4
    screenshot(page, "results-public")
    context.close()


def test_office_is_stopped_from_publishing_an_empty_cycle(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """Last in this module: it adds a cycle to the shared demo (the others only read)."""
    context, page = signed_in(browser, live_server, "office", DESKTOP)
    page.goto(f"{live_server}/office/cycles/new")
    page.get_by_label("名称").fill("季度脉搏测评（无人作答）")
    page.get_by_role("button", name="创建").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="按规则生成评价任务").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="开始评价…").click()
    page.get_by_role("button", name="确认开始评价").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="截止评价…").click()
    page.get_by_role("button", name="确认截止评价").click()
    page.wait_for_load_state()
    page.locator("#publish-link").click()  # a confirmation page, not the act itself
    page.wait_for_load_state()
    assert "发布后会发生什么" in page.locator("#publish-effects").inner_text()
    assert "没有收到任何评价" in page.locator("#publish-refused").inner_text()
    assert page.locator("#confirm-publish").count() == 0
    screenshot(page, "office-publish-refused")
    page.get_by_role("link", name="返回周期").click()
    page.wait_for_load_state()
    assert page.locator("#state").inner_text() == "已截止"
    context.close()
