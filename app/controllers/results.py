"""Assessment office results (county view, Excel export, case notes) and the public
town-level results page, which needs no login and never shows an individual."""

from __future__ import annotations

import io
from typing import Annotated, Any

import polars as pl
import xlsxwriter
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.charts import distribution, heatmap
from app.forms import FormReader, redirect_with_message
from app.labels import GROUP_LABELS
from app.templating import render
from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict, Invalid
from evaluation.groups import COUNTED
from evaluation.results import case_notes
from evaluation.results import compute as aggregation_service
from evaluation.results import county as county_results
from evaluation.results import snapshots as results_service

OFFICE = requires(Role.assessment_office, Role.admin)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def town_heatmap(towns: pl.DataFrame, order: list[str], title: str) -> Any:
    """`order`: competency ids in the rubric's order (columns follow it)."""
    names = dict(towns.select("competency", "competency_name").unique("competency").iter_rows())
    present = [c for c in order if c in names]
    columns = [names[c] or c for c in present]
    rows = towns.select("town_id", "town").unique("town_id").sort("town_id")["town"].to_list()
    cells = {
        (r["town"], names[r["competency"]] or r["competency"]): (
            r["mean"],
            r["norm"],
            r["light"],
            r["lagging"],
        )
        for r in towns.iter_rows(named=True)
    }
    return heatmap(rows, columns, cells, title)


@get("/office/cycles/{cycle_id:int}/results", guards=[OFFICE])
async def county_page(request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]) -> Template:
    snapshot = await results_service.snapshot_for(cycle_id, preview=True)
    frames = await county_results.county_frames(snapshot)
    lights = snapshot.rubric.lights
    lists = county_results.results_use(frames, lights.green_from, lights.red_below)
    cadres = frames["cadres"]
    by_town = [
        (town, cadres.filter(pl.col("town") == town)["overall"].to_list())
        for town in cadres.select("town_id", "town").unique("town_id").sort("town_id")["town"]
    ]
    shown = frames["groups"].filter(
        pl.col("raw_mean").is_not_null() & (pl.col("rater_group") != "self")
    )
    by_group = [
        (GROUP_LABELS.get(g, g), shown.filter(pl.col("rater_group") == g)["raw_mean"].to_list())
        for g in COUNTED
        if shown.filter(pl.col("rater_group") == g).height
    ]
    return render(
        request,
        "results/county.html",
        cycle=snapshot.cycle,
        published=snapshot.published,
        heatmap=town_heatmap(
            frames["towns"], [c.id for c in snapshot.rubric.competencies], "乡镇 × 能力 校准均分"
        ),
        towns=frames["towns"].to_dicts(),
        bottlenecks=frames["bottlenecks"].to_dicts(),
        town_spread=distribution(by_town, "各乡镇干部综合得分分布"),
        group_spread=distribution(by_group, "各评价组给分分布（看宽严）"),
        raters=frames["raters"].head(50).to_dicts(),
        rater_count=frames["raters"].height,
        rankings=cadres.group_by("position_class_label", maintain_order=True).head(5).to_dicts(),
        lists={k: v.head(20).to_dicts() for k, v in lists.items()},
        list_counts={k: v.height for k, v in lists.items()},
        notes=await case_notes.notes(cycle_id),
        town_names=await results_service.town_names(),
    )


EXPORT_SHEETS = {
    "towns": (
        "乡镇×能力",
        {
            "town": "乡镇",
            "competency_name": "能力",
            "cadres": "干部数",
            "mean": "校准均分",
            "lo": "区间下限",
            "hi": "区间上限",
            "norm": "全县常模",
            "light": "灯",
            "lagging": "低于常模",
        },
    ),
    "bottlenecks": (
        "系统性短板",
        {
            "competency_name": "能力",
            "towns": "涉及乡镇",
            "lagging_towns": "落后乡镇数",
            "county_mean": "全县均分",
            "systemic": "系统性",
        },
    ),
    "cadres": (
        "干部综合排名",
        {
            "town": "乡镇",
            "name": "姓名",
            "position": "职务",
            "position_class_label": "可比类别",
            "overall": "综合得分",
            "rank": "类内名次",
            "peers": "类内人数",
            "red": "红灯数",
            "weaknesses": "短板",
        },
    ),
    "scores": (
        "干部分项得分",
        {
            "town": "乡镇",
            "name": "姓名",
            "competency_name": "能力",
            "score": "校准得分",
            "lo": "区间下限",
            "hi": "区间上限",
            "raw_mean": "原始均分",
            "weighted_score": "分组加权",
            "n": "评价数",
            "light": "灯",
            "finding": "判断",
            "percentile": "百分位",
        },
    ),
    "groups": (
        "分组明细",
        {
            "town": "乡镇",
            "name": "姓名",
            "competency": "能力",
            "rater_group": "评价组",
            "n": "人数",
            "raw_mean": "原始均分",
            "corrected_mean": "校准均分",
            "reason": "隐藏原因",
        },
    ),
    "raters": (
        "评价人复核",
        {
            "town": "乡镇",
            "name": "评价人",
            "position": "职务",
            "severity": "严格度",
            "extreme": "宽严异常",
            "straight_lining": "全部同分",
            "identical_cluster": "雷同答卷",
            "misfit": "拟合异常",
        },
    ),
}


@get("/office/cycles/{cycle_id:int}/results.xlsx", guards=[OFFICE])
async def results_export(cycle_id: FromPath[int]) -> Response[bytes]:
    """Every table of the county view, one sheet each, with the analytics' suppression: a
    hidden group's means are empty cells, never numbers."""
    snapshot = await results_service.snapshot_for(cycle_id, preview=True)
    frames = await county_results.county_frames(snapshot)
    lights = snapshot.rubric.lights
    lists = county_results.results_use(frames, lights.green_from, lights.red_below)
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        for key, (sheet, columns) in EXPORT_SHEETS.items():
            frames[key].select(list(columns)).rename(columns).write_excel(
                workbook=workbook, worksheet=sheet
            )
        for key, sheet in (
            ("excellent_cadres", "优秀干部"),
            ("lagging_cadres", "后进干部"),
            ("excellent_towns", "先进乡镇"),
            ("lagging_towns", "后进乡镇"),
        ):
            frame = lists[key]
            label = (
                ["town", "name", "evidence"] if "name" in frame.columns else ["town", "evidence"]
            )
            frame.select(label).rename(
                {"town": "乡镇", "name": "姓名", "evidence": "依据"}, strict=False
            ).write_excel(workbook=workbook, worksheet=sheet)
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"content-disposition": f"attachment; filename=results-cycle-{cycle_id}.xlsx"},
    )


@post("/office/cycles/{cycle_id:int}/results/compute", guards=[OFFICE])
async def compute_preview(cycle_id: FromPath[int]) -> Redirect:
    """A preview snapshot of a cycle still collecting or closed (publishing freezes its own)."""
    cycle = await cycle_service.get_cycle(cycle_id)
    if cycle["state"] == "published":
        return redirect_with_message(
            f"/office/cycles/{cycle_id}/results", "结果已公布并冻结，不再重新计算"
        )
    try:
        results = await aggregation_service.compute(cycle_id)
    except Conflict as exc:
        return redirect_with_message(f"/office/cycles/{cycle_id}", exc.message)
    await aggregation_service.store_snapshot(cycle_id, results)
    return redirect_with_message(f"/office/cycles/{cycle_id}/results", "已按目前收到的评价计算预览")


@post("/office/cycles/{cycle_id:int}/cases", guards=[OFFICE])
async def add_case(
    cycle_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    form = FormReader(data)
    town = form.text("town")
    target = f"/office/cycles/{cycle_id}/results"
    try:
        await case_notes.add(
            cycle_id, int(town) if town.isdigit() else None, form.text("title"), form.text("body")
        )
    except Invalid as exc:
        return redirect_with_message(target, exc.message)
    return redirect_with_message(target, "案例已保存，结果公布后在公开页面展示")


@get("/results", exclude_from_auth=True)
async def public_index(request: Request[Any, Any, Any]) -> Template:
    return render(
        request, "results/public_index.html", cycles=await results_service.published_cycles()
    )


@get("/results/{cycle_id:int}", exclude_from_auth=True)
async def public_results(request: Request[Any, Any, Any], cycle_id: FromPath[int]) -> Template:
    snapshot = await results_service.snapshot_for(cycle_id)  # published only
    frames = await county_results.county_frames(snapshot)
    towns = county_results.public_towns(frames["towns"])
    return render(
        request,
        "results/public.html",
        cycle=snapshot.cycle,
        heatmap=town_heatmap(
            towns.join(
                frames["towns"].select("town_id", "competency", "norm"),
                on=["town_id", "competency"],
            ),
            [c.id for c in snapshot.rubric.competencies],
            "各乡镇分项能力均分",
        ),
        towns=towns.to_dicts(),
        bottlenecks=frames["bottlenecks"].to_dicts(),
        notes=await case_notes.notes(cycle_id),
    )


routes = [
    county_page,
    results_export,
    compute_preview,
    add_case,
    public_index,
    public_results,
]
