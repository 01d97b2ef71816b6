"""Long lists page and search from the URL (`?q=…&page=…`), so any view can be bookmarked:
the overdue raters, the rater workloads and a training plan's enrolments, on the demo county
(80 cadres). A plan from the history opens by its number, and the whole plan exports to
Excel — every enrolment, Chinese headers."""

from __future__ import annotations

import io
import re

import polars as pl
from litestar.testing import TestClient

from app.demo.loader import DEMO_PASSWORD
from evaluation.tables import Cycle
from tests.factories import login
from tests.web.html import text_of
from training.tables import Enrolment, TrainingPlan


def body_rows(html: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table #{table_id}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S)
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1) if body else "", re.S)


def total(html: str, anchor: str) -> int:
    found = re.search(r"共 (\d+) 条", text_of(html, "p", id=f"{anchor}-count"))
    assert found
    return int(found.group(1))


def check_paging(client: TestClient, path: str, anchor: str, town: str) -> None:
    """Page 1 holds 50, the last page the rest, a garbled page number falls back to page 1;
    a search narrows to matching rows and keeps its text in the next-page link."""
    sep = "&" if "?" in path else "?"
    first = client.get(path).text
    count = total(first, anchor)
    assert count > 50, f"{path}: the demo should need a second page ({count})"
    assert len(body_rows(first, anchor)) == 50
    pages = -(-count // 50)
    last = client.get(f"{path}{sep}page={pages}").text
    assert len(body_rows(last, anchor)) == count - 50 * (pages - 1)
    assert body_rows(client.get(f"{path}{sep}page=zz%27").text, anchor) == body_rows(first, anchor)
    assert body_rows(client.get(f"{path}{sep}page=999999").text, anchor) == body_rows(last, anchor)
    narrowed = client.get(f"{path}{sep}q={town}").text
    found = body_rows(narrowed, anchor)
    assert 0 < len(found) < count
    assert all(town in row for row in found)
    assert total(narrowed, anchor) == len(found) or 'rel="next"' in narrowed
    nothing = client.get(f"{path}{sep}q=没有这个人").text
    assert body_rows(nothing, anchor) == [] and total(nothing, anchor) == 0


async def test_long_lists_search_and_page_and_the_plan_exports_whole(
    client: TestClient, small_demo: int
) -> None:
    open_cycle = await Cycle.select(Cycle.id).where(Cycle.state == "open").first()
    assert open_cycle is not None
    login(client, "office", DEMO_PASSWORD)
    cycle = open_cycle["id"]
    overdue = client.get(f"/office/cycles/{cycle}/progress").text
    town = re.sub(r"<[^>]+>", "", body_rows(overdue, "overdue")[0].split("</td>")[1])
    check_paging(client, f"/office/cycles/{cycle}/progress", "overdue", town)
    check_paging(client, f"/office/cycles/{cycle}/assignments", "loads", town)

    # 结果运用 lists show ten names each, the rest folded away (the Excel has them all)
    published = (
        await Cycle.select(Cycle.id)
        .where(Cycle.state == "published")
        .order_by(Cycle.id, ascending=False)
        .first()
    )
    assert published is not None
    results = client.get(f"/office/cycles/{published['id']}/results").text
    section = re.search(r'<section class="panel" id="lists">.*?</section>', results, re.S)
    assert section
    folded = 0
    for key in ("excellent_towns", "lagging_towns", "excellent_cadres", "lagging_cadres"):
        shown = re.search(
            rf'<ul class="evidence-list" id="{key}">(.*?)</ul>', section.group(0), re.S
        )
        if shown is None:
            continue
        assert len(re.findall(r"<li>", shown.group(1))) <= 10
        rest = re.search(
            rf'id="{key}">.*?</ul>\s*<details class="more-list"><summary>其余 (\d+) 个',
            section.group(0),
            re.S,
        )
        folded += int(rest.group(1)) if rest else 0
    assert folded > 0  # the demo's 优秀干部 list is longer than ten

    login(client, "training", DEMO_PASSWORD)
    plan = await TrainingPlan.select(TrainingPlan.id).first()
    assert plan is not None
    enrolled = await Enrolment.count().where(Enrolment.plan == plan["id"])
    page = client.get(f"/training/plan?plan={plan['id']}").text
    assert total(page, "enrolments") == enrolled
    assert client.get("/training/plan?plan=999999").status_code == 404
    export = client.get(f"/training/plans/{plan['id']}/plan.xlsx")
    assert export.status_code == 200
    sheet = pl.read_excel(io.BytesIO(export.content), engine="calamine")
    assert sheet.height == enrolled
    assert sheet.columns == ["场次编号", "场次", "干部", "乡镇", "状态", "理由"]
    assert set(sheet["状态"].str.slice(0, 2).to_list()) <= {"已安", "候补"}
    assert enrolled > 50  # the demo's plan is long enough to page
    check_paging(client, f"/training/plan?plan={plan['id']}", "enrolments", town)
