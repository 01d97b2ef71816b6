"""The office edits its rubric in the web: copy a version, change it, see every problem at
once (nothing saved), compare with the original, publish, export and import TOML."""

from __future__ import annotations

import re
import tomllib

from litestar.testing import TestClient

from evaluation.rubrics import versions as rubric_versions_store
from evaluation.rubrics.editing import form_values, next_version, rubric_document
from evaluation.rubrics.loader import load_default_rubric
from evaluation.tables import RubricDraft, RubricVersion
from tests.factories import People, csrf_token, login, post_form
from tests.web.html import texts


def _copy(client: TestClient, version_id: int) -> str:
    copied = post_form(client, f"/office/rubrics/{version_id}/copy", {})
    assert copied.status_code == 302
    return copied.headers["location"]


def _problems(html: str) -> list[str]:
    return [t for t in texts(html, "li") if "：" in t]


async def test_a_bad_rubric_lists_every_problem_and_saves_nothing(
    client: TestClient, people: People
) -> None:
    version_id = await rubric_versions_store.register_default_rubric()
    login(client, "office")
    draft_path = _copy(client, version_id)
    before = (await RubricDraft.select(RubricDraft.source).first())["source"]
    fields = form_values(rubric_document(load_default_rubric()))
    fields["c0.weight"] = "0.30"  # the common weights no longer sum to 1
    for key in ("label", "behaviour", "examples"):
        fields[f"c1.a3.{key}"] = ""  # 担当作为 loses its level-3 anchor
    fields["c2.id"] = fields["c0.id"]  # a duplicate item id
    fields["c3.weight"] = "很多"  # not a number
    refused = post_form(client, draft_path, fields)
    assert refused.status_code == 400
    problems = _problems(refused.text)
    assert any("共性能力的权重之和应为 1" in p for p in problems)
    assert any("担当作为" in p and "需要 5 个行为锚" in p and "现有 4 个" in p for p in problems)
    assert any(f"编号“{fields['c0.id']}”与第 1 个能力维度重复" in p for p in problems)
    assert any("权重应为大于 0" in p for p in problems)
    # what was typed stays in the form, and nothing reached the database
    assert 'value="很多"' in refused.text
    assert (await RubricDraft.select(RubricDraft.source).first())["source"] == before
    assert await RubricVersion.count() == 1


async def test_edit_compare_publish_and_the_old_version_is_untouched(
    client: TestClient, people: People
) -> None:
    version_id = await rubric_versions_store.register_default_rubric()
    original = load_default_rubric()
    login(client, "office")
    draft_path = _copy(client, version_id)
    proposed = next_version(original.version)
    assert (
        f'value="{proposed}"' in client.get(draft_path).text
    )  # the copy proposes the next version
    fields = {**form_values(rubric_document(original)), "version": "2027.1"}
    fields["c0.weight"], fields["c1.weight"] = "0.10", "0.18"
    fields["c0.a3.behaviour"] = "按要求落实部署，并在每月例会上报告进展。"
    new = f"c{len(original.competencies)}"
    fields.update(
        {
            f"{new}.id": "tourism_service",
            f"{new}.name": "旅游服务保障",
            f"{new}.dimension": "绩",
            f"{new}.definition": "保障景区秩序与游客服务，旺季不出安全事故。",
            f"{new}.weight": "0.12",
            f"{new}.rated_by.superior": "on",
            f"{new}.rated_by.peer": "on",
            f"{new}.town.tourism": "on",
            **{f"{new}.a{lv}.label": f"等级{lv}" for lv in range(1, 6)},
            **{f"{new}.a{lv}.behaviour": f"旅游服务行为{lv}" for lv in range(1, 6)},
        }
    )
    saved = post_form(client, draft_path, fields)
    assert saved.status_code == 302, _problems(saved.text)
    page = client.get(draft_path)
    rows = texts(page.text, "tr")
    assert any("政治素质 · 权重" in r and "0.12" in r and "0.1" in r for r in rows)
    assert any("政治素质 · 等级 3" in r and "每月例会" in r for r in rows)
    assert any("旅游服务保障（新增） · 乡镇类型" in r and "旅游乡镇" in r for r in rows)

    confirm = client.get(f"{draft_path}/publish")
    assert "不能再修改" in confirm.text and fields["version"] in confirm.text
    published = post_form(client, f"{draft_path}/publish", {})
    assert published.status_code == 302
    versions = await RubricVersion.select().order_by(RubricVersion.id)
    assert [v["version"] for v in versions] == [original.version, fields["version"]]
    assert versions[0]["source"] == (await RubricVersion.select().first())["source"]
    rubric = rubric_versions_store.parsed_rubric(versions[1]["source"])
    assert rubric.competency("political").weight == 0.10
    assert rubric.items_for("superior", "tourism", "staff")[-1].id == "tourism_service"
    assert "tourism_service" not in [
        c.id for c in rubric.items_for("superior", "chengguan", "staff")
    ]
    # a published draft is closed; the new version is offered for new cycles
    assert client.get(draft_path).status_code == 404
    offered = client.get("/office/cycles/new").text
    assert re.search(rf'<option value="{versions[1]["id"]}"[^>]*>[^<]*{fields["version"]}', offered)


async def test_publishing_an_unchanged_copy_or_a_taken_version_is_refused(
    client: TestClient, people: People
) -> None:
    version_id = await rubric_versions_store.register_default_rubric()
    login(client, "office")
    draft_path = _copy(client, version_id)
    unchanged = post_form(client, f"{draft_path}/publish", {})
    assert unchanged.status_code == 409 and "内容相同" in unchanged.text
    fields = form_values(rubric_document(load_default_rubric()))  # the original's version
    fields["c0.definition"] += "（修订）"
    assert post_form(client, draft_path, fields).status_code == 302
    taken = post_form(client, f"{draft_path}/publish", {})
    assert taken.status_code == 409 and "已存在且内容不同" in taken.text
    assert await RubricVersion.count() == 1


async def test_toml_export_round_trips_through_import(client: TestClient, people: People) -> None:
    version_id = await rubric_versions_store.register_default_rubric()
    login(client, "office")
    exported = client.get(f"/office/rubrics/{version_id}/rubric.toml")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert tomllib.loads(exported.text)["code"] == load_default_rubric().code
    version = load_default_rubric().version
    changed = exported.text.replace(f'version = "{version}"', 'version = "2030.1"')
    imported = client.post(
        "/office/rubrics/import",
        files={"file": ("rubric.toml", changed.encode(), "application/toml")},
        data={"_csrf_token": csrf_token(client, "/office/rubrics")},
        follow_redirects=False,
    )
    assert imported.status_code == 302, imported.text
    page = client.get(imported.headers["location"])
    assert any("版本号" in r and "2030.1" in r for r in texts(page.text, "tr"))
    broken = client.post(
        "/office/rubrics/import",
        files={"file": ("rubric.toml", b'code = "x"\n[[competencies]]\nid = 1', "text/plain")},
        data={"_csrf_token": csrf_token(client, "/office/rubrics")},
        follow_redirects=False,
    )
    assert broken.status_code == 400
    assert "量表有" in broken.text and "缺少“version”" in broken.text
    assert await RubricDraft.count() == 1
