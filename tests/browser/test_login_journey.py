"""Each demo role logs in through a real browser and sees its own home page."""

from __future__ import annotations

import pytest

from app.demo.loader import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser

HOMES = [
    ("admin", "/admin/users", "账号管理", DESKTOP),
    ("office", "/office", "考核办工作台", DESKTOP),
    ("training", "/training", "培训办工作台", DESKTOP),
    ("leader", "/team", "我的团队", PHONE),
    ("cadre", "/me", None, PHONE),
    ("visitor", "/visit", "暗访评价", PHONE),
]


@pytest.mark.parametrize(("username", "path", "heading", "viewport"), HOMES)
def test_demo_role_logs_in_and_sees_its_home(
    browser,
    live_server: str,
    username: str,
    path: str,
    heading: str | None,
    viewport: dict[str, int],
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/office")
    assert page.url.endswith("/login?next=/office")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if username == "office":
        assert page.url == f"{live_server}/office"  # back where they were going
    else:
        page.goto(f"{live_server}/")
        assert page.url == f"{live_server}{path}"
    h1 = page.locator("h1").first.inner_text()
    if heading:
        assert h1 == heading
    else:
        assert h1  # the cadre's own name
        assert page.locator(".summary-list").count() == 1
    assert (
        page.locator(".who")
        .inner_text()
        .endswith(
            {
                "admin": "系统管理员",
                "office": "考核办",
                "training": "培训办",
                "leader": "领导干部",
                "cadre": "干部",
                "visitor": "暗访员",
            }[username]
        )
    )
    screenshot(page, f"home-{username}")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    context.close()


def test_wrong_password_shows_the_error_summary_focused(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.title().startswith("错误：")
    screenshot(page, "login-error")
    page.close()
