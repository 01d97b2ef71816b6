"""The office's roster import page: upload, preview every bad row, confirm, idempotent."""

from __future__ import annotations

import io

import polars as pl
from litestar.testing import TestClient

from evaluation.tables import Cadre
from tests.factories import People, csrf_token, login, roster_frame, to_xlsx
from tests.web.html import select, text_of, texts


def upload(client: TestClient, content: bytes, filename: str = "花名册.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        "/office/roster/preview",
        files={"file": (filename, content, "application/octet-stream")},
        data={"_csrf_token": csrf_token(client, "/office/roster"), "county": ""},
    )


def confirm(client: TestClient, preview_html: str):  # type: ignore[no-untyped-def]
    fields = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in select(preview_html, "input")
        if "name" in i.attrs
    }
    return client.post("/office/roster/import", data=fields)


async def test_upload_preview_confirm_then_reimport_is_a_no_op(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    before = await Cadre.count()
    bigger = pl.concat(
        [roster_frame(), roster_frame(4, 15, seed=7).filter(pl.col("town_id") == "T004")]
    )
    preview = upload(client, to_xlsx(bigger))
    assert preview.status_code == 200
    assert "全部" in text_of(preview.text, "div", class_="notice")
    summary = dict(zip(texts(preview.text, "dt"), texts(preview.text, "dd"), strict=True))
    assert summary["新增干部"] == "15"
    assert summary["新增乡镇"] == "1"
    assert await Cadre.count() == before  # preview writes nothing

    done = confirm(client, preview.text)
    assert done.status_code == 200
    assert text_of(done.text, "h1") == "花名册已导入"
    assert await Cadre.count() == before + 15

    again = upload(client, to_xlsx(bigger))
    summary = dict(zip(texts(again.text, "dt"), texts(again.text, "dd"), strict=True))
    assert summary["新增干部"] == "0"
    assert summary["更新干部"] == "0"


async def test_bad_rows_are_listed_and_nothing_is_written(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    before = await Cadre.count()
    frame = roster_frame().with_row_index("i")
    frame = frame.with_columns(
        pl.when(pl.col("i").is_in([3, 9]))
        .then(None)
        .otherwise(pl.col("position"))
        .alias("position")
    ).drop("i")
    preview = upload(client, to_xlsx(frame))
    assert preview.status_code == 400
    assert "发现 2 行存在问题，未导入任何数据" in text_of(preview.text, "h2")
    assert texts(preview.text, "td")[0::3] == ["第 5 行", "第 11 行"]
    assert not select(preview.text, "form", action="/office/roster/import")
    assert await Cadre.count() == before


def test_unreadable_upload_is_explained(client: TestClient, people: People) -> None:
    login(client, "office")
    response = upload(client, b"\x00not a spreadsheet", "roster.xlsx")
    assert response.status_code == 400
    assert "不是有效的表格文件" in text_of(response.text, "p", class_="error-message")
    missing = client.post(
        "/office/roster/preview", data={"_csrf_token": csrf_token(client, "/office/roster")}
    )
    assert missing.status_code == 400
    assert "请选择要导入的花名册文件" in missing.text


def test_tampered_confirmation_payload_is_refused(client: TestClient, people: People) -> None:
    login(client, "office")
    response = client.post(
        "/office/roster/import",
        data={
            "_csrf_token": csrf_token(client, "/office/roster"),
            "filename": "x.xlsx",
            "payload": "%%%",
        },
    )
    assert response.status_code == 400
    assert "上传内容已损坏" in response.text


def test_template_download_is_a_roster_with_the_expected_headers(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    response = client.get("/office/roster/template.xlsx")
    assert response.status_code == 200
    frame = pl.read_excel(io.BytesIO(response.content))
    assert frame.columns[:3] == ["乡镇编码", "乡镇名称", "乡镇类型"]


async def test_a_reimport_shows_every_move_and_every_dropped_leader_link(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    roster = roster_frame()
    follower = roster.filter(pl.col("leader_ids").str.len_chars() > 0).row(0, named=True)
    t002 = roster.filter(pl.col("town_id") == "T002").row(0, named=True)
    mover = roster.filter(pl.col("town_id") == "T003").row(-1, named=True)
    moved = pl.col("cadre_id") == mover["cadre_id"]
    town_columns = ("town_id", "town_name", "town_type", "latitude", "longitude")
    changed = roster.with_columns(
        leader_ids=pl.when(pl.col("cadre_id") == follower["cadre_id"])
        .then(pl.lit(""))
        .otherwise(pl.col("leader_ids")),
        **{c: pl.when(moved).then(pl.lit(t002[c])).otherwise(pl.col(c)) for c in town_columns},
    )
    preview = upload(client, to_xlsx(changed))
    assert preview.status_code == 200, texts(preview.text, "td")
    dropped = texts(preview.text, "tr")
    leaders = [i for i in follower["leader_ids"].replace("；", ";").split(";") if i]
    assert any(follower["cadre_id"] in row and leaders[0] in row for row in dropped)
    assert f"将删除的领导关系（{len(leaders)} 条）" in preview.text
    edits = [r for r in texts(preview.text, "tr") if mover["cadre_id"] in r and "乡镇编码" in r]
    assert edits and "T003" in edits[0] and "T002" in edits[0]
    assert await Cadre.count() > 0  # and the preview wrote nothing:
    stored = await Cadre.select(Cadre.town.external_id).where(
        Cadre.external_id == mover["cadre_id"]
    )
    assert stored[0]["town.external_id"] == "T003"
