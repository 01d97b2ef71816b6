"""A county sets up its own year in headless Chromium, on a demo county of its own (these
journeys change the organisation and open cycles, which the shared demo's journeys must
not see): the office copies the rubric, changes an anchor and two weights, adds an item for
旅游乡镇, publishes, and opens a quarterly cycle on it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import DESKTOP, PHONE, demo_database, screenshot, serving
from tests.browser.test_results_journeys import signed_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def setup_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # a smaller county than the shared demo's: these journeys need towns and people, not
    # statistics, and the demo builds in about half the time
    with serving(demo_database(tmp_path_factory.mktemp("setup"), towns=3, per_town=15)) as base:
        yield base


def test_office_edits_the_rubric_publishes_it_and_opens_a_cycle_on_it(
    browser, setup_server: str
) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, setup_server, "office", DESKTOP)
    page.goto(f"{setup_server}/office/cycles")
    page.get_by_role("link", name="评价量表").click()
    page.wait_for_load_state()
    page.locator("#versions button", has_text="复制为草稿").first.click()
    page.wait_for_load_state()
    assert "/office/rubrics/drafts/" in page.url
    page.get_by_label("发布时的版本号").fill("2027.1")

    page.locator("#c0 > summary").click()
    page.locator("#c0-weight").fill("0.10")
    page.locator("#c0-a3-behaviour").fill("按要求落实部署，并在每月例会上报告进展。")
    page.locator("#c1 > summary").click()
    page.locator("#c1-weight").fill("0.18")

    new = f"c{page.locator('input[name=competency_count]').input_value()}"
    page.locator(f"#{new} > summary").click()
    page.locator(f"#{new}-id").fill("tourist_reception")
    page.locator(f"#{new}-name").fill("游客接待服务")
    page.locator(f"#{new}-dimension").select_option("绩")
    page.locator(f"#{new}-definition").fill("热情周到地接待游客，及时处理游客诉求。")
    page.locator(f"#{new}-weight").fill("0.06")
    for group in ("superior", "peer", "self"):
        page.locator(f"input[name='{new}.rated_by.{group}']").check()
    page.locator(f"#{new}").get_by_label("旅游乡镇").check()
    for level in range(1, 6):
        page.locator(f"#{new}-a{level}-label").fill(f"第{level}级")
        page.locator(f"#{new}-a{level}-behaviour").fill(f"游客接待的第{level}级表现")
    page.get_by_role("button", name="保存并发布…").click()
    page.wait_for_load_state()

    changes = page.locator("#changes").inner_text()
    assert "游客接待服务（新增）" in changes and "旅游乡镇" in changes
    assert "每月例会" in changes and "0.18" in changes
    assert "不能再修改" in page.locator("#publish-effects").inner_text()
    screenshot(page, "setup-rubric-publish")
    page.get_by_role("button", name="确认发布 2027.1").click()
    page.wait_for_load_state()
    assert "量表已发布" in page.locator(".notice").inner_text()
    assert "2027.1" in page.locator("#versions").inner_text()

    page.goto(f"{setup_server}/office/cycles/new")
    options = page.locator("#rubric option").all_inner_texts()
    page.locator("#rubric").select_option(label=next(t for t in options if "2027.1" in t))
    page.locator("#name").fill("2027年第一季度干部评价")
    page.locator("input[name=period][value=quarterly]").check()
    page.locator("#year").fill("2027")
    page.locator("#quarter").fill("1")
    page.locator("#opens_on").fill("2027-01-05")
    page.locator("#closes_on").fill("2027-01-25")
    page.locator("#remind_on").fill("2027-01-20")
    page.get_by_role("button", name="创建", exact=True).click()
    page.wait_for_load_state()
    assert "2027.1" in page.locator(".lead").first.inner_text()
    page.get_by_role("button", name="按规则生成评价任务").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="开始评价…").click()
    page.wait_for_load_state()
    effects = page.locator("#move-effects").inner_text()
    assert "名评价人将在" in effects and "还没到" in effects  # 2027 starts after the pinned today
    page.get_by_role("button", name="确认开始评价").click()
    page.wait_for_load_state()
    assert page.locator("#state").inner_text() == "进行中"
    screenshot(page, "setup-cycle-on-new-rubric")
    context.close()


def test_admin_creates_every_account_and_prints_the_slips(browser, setup_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, setup_server, "admin", DESKTOP)
    page.goto(f"{setup_server}/admin/users")
    page.get_by_role("link", name="按花名册批量建号 / 重置").click()
    page.wait_for_load_state()
    waiting = sum(int(n) for n in page.locator("#towns tbody td:nth-child(5)").all_inner_texts())
    no_reporter = page.locator("#towns tbody td:nth-child(6)").all_inner_texts().count("无")
    assert waiting > 0
    page.get_by_role("button", name="建号并生成登录条").click()
    page.wait_for_load_state()
    slips = page.locator(".login-slip")
    assert slips.count() == waiting + no_reporter  # every cadre, a reporter per town lacking one
    assert page.get_by_role("button", name="打印登录条").is_visible()
    screenshot(page, "setup-login-slips")
    page.emulate_media(media="print")  # as printed: two slips a row, one town per page
    first, second = slips.nth(0).bounding_box(), slips.nth(1).bounding_box()
    assert first and second and first["y"] == second["y"] and first["x"] < second["x"]
    page.emulate_media(media="screen")
    username = slips.first.locator(".slip-username").inner_text()
    password = slips.first.locator(".slip-password").inner_text()
    context.close()

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{setup_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.url.endswith("/account/password")  # the one-time password must be changed
    context.close()


def test_office_transfers_a_cadre_and_the_published_cycle_is_unchanged(
    browser, setup_server: str
) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, setup_server, "office", DESKTOP)
    page.goto(f"{setup_server}/office/cycles")
    published = page.locator("#cycles tr", has_text="已发布").first.locator("a")
    results = f"{published.get_attribute('href')}/results"
    page.goto(f"{setup_server}{results}")
    first = page.locator("#rankings tbody tr").first
    name, town = first.locator("td").nth(2).inner_text(), first.locator("td").nth(3).inner_text()

    page.get_by_role("link", name="干部名册").click()
    page.get_by_label("按姓名、干部编号、职务或乡镇查找").fill(name)
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    page.locator("#cadres a", has_text=name).first.click()
    page.wait_for_load_state()
    page.locator("#transfer > summary").click()
    options = page.locator("#transfer-town option").all_inner_texts()
    target = next(t for t in options if t != town)
    page.get_by_label("调入乡镇").select_option(label=target)
    page.get_by_label("新职务").fill("副镇长")
    page.get_by_label("生效日期").first.fill("2026-12-01")
    page.locator("#transfer-reason").fill("县委组织部任免通知〔2026〕18号")
    page.get_by_role("button", name="记录调动").click()
    page.wait_for_load_state()
    assert "调动已记录" in page.locator("#notice").inner_text()
    assert target in page.locator(".lead").inner_text()
    history = page.locator("#history").inner_text()
    assert "2026-12-01" in history and town in history and target in history
    screenshot(page, "setup-cadre-transferred")

    page.goto(f"{setup_server}{results}")  # the published cycle still says where they were
    row = page.locator("#rankings tbody tr", has_text=name).first
    assert row.locator("td").nth(3).inner_text() == town
    context.close()


def test_office_sends_a_reminder_round_and_a_rater_sees_it(browser, setup_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page = signed_in(browser, setup_server, "office", DESKTOP)
    page.goto(f"{setup_server}/office/cycles")
    running = page.locator("#cycles tr", has_text="进行中").filter(has_not_text="2027年第一季度")
    running.first.locator("a").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="回收进度").click()
    page.get_by_role("link", name="催办…").click()
    page.wait_for_load_state()
    towns = page.locator("#towns tbody tr").count()
    assert towns > 0
    page.get_by_role("button", name=re.compile("下一步：确认催办人数")).click()
    page.wait_for_load_state()
    assert f"将向 {towns} 个乡镇" in page.locator("#summary").inner_text()  # all ticked
    page.get_by_role("button", name=re.compile("确认发出")).click()
    page.wait_for_load_state()
    assert "本轮催办已发出" in page.locator("#notice").inner_text()
    raters = page.locator("#messages tbody tr").count()
    assert raters > 0
    with page.expect_download() as download:
        page.locator("#excel-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.locator("#notices-link").click()
    page.wait_for_load_state()
    assert page.locator(".notice-sheet").count() == towns  # one notice per town
    assert page.get_by_role("button", name="打印").is_visible()
    screenshot(page, "setup-reminder-notices")
    page.goto(f"{setup_server}/office/cycles")
    context.close()

    context, page = signed_in(browser, setup_server, "leader", PHONE)
    page.goto(f"{setup_server}/team")
    todo = page.locator("#notices .task").first.inner_text()
    assert "待完成" in todo
    assert "考核办催办" in page.locator("#notices").inner_text()
    screenshot(page, "setup-leader-todo")
    context.close()
