"""Terminal rendering of a roster preview for `cadre360 import-roster`."""

from __future__ import annotations

import click

from app.cli_support import _audit
from app.progress import advance, steps
from evaluation.errors import Invalid
from evaluation.organisation import importing as roster_service
from evaluation.scorecard.daily import after_roster_import

SUMMARY_LABELS = {
    "towns_new": "新增乡镇",
    "towns_changed": "更新乡镇",
    "cadres_new": "新增干部",
    "cadres_changed": "更新干部",
    "cadres_unchanged": "未变干部",
    "links_added": "新增领导关系",
    "links_removed": "删除领导关系",
}


async def run_import(content: bytes, filename: str, county: str | None, dry_run: bool) -> bool:
    with steps(f"读取 {filename}", total=3) as progress:
        try:
            result = await roster_service.preview_file(content, filename)
        except Invalid as exc:
            click.echo(f"无法导入：{exc.message}（{exc.problems.get('file', '')}）", err=True)
            return False
        advance(progress, "校验完成")
        if result.plan is None:
            advance(progress, "未导入", 2)
        elif dry_run or result.plan.is_noop:
            advance(progress, "预览完成（未写入）", 2)
        else:
            await roster_service.import_file(content, filename, county)
            await after_roster_import()  # a new town gets this year's contract
            await _audit("import-roster", filename)
            advance(progress, "已写入", 2)
    if result.plan is None:
        problems = result.check.problems
        click.echo(f"发现 {problems['row'].n_unique()} 行存在问题，未导入任何数据：", err=True)
        for row in problems.iter_rows(named=True):
            click.echo(f"  第 {row['row']} 行“{row['column']}”：{row['message']}", err=True)
        return False
    for key, count in result.plan.summary().items():
        click.echo(f"  {SUMMARY_LABELS[key]}：{count}")
    if result.plan.is_noop:
        click.echo("与已有数据一致，无需更改。")
    elif dry_run:
        click.echo("预览模式：未写入任何数据。")
    return True
