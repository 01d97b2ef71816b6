"""Hostile spreadsheets sent to a real one-worker server, at every import that reads one: the
roster preview, the training catalogue and the objective evidence. The server answers with a
Chinese message, keeps serving, stays small, and writes nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import draft_cycle
from tests.security.live import Site, live_site
from tests.security.workbooks import far_cell_workbook, zip_bomb_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEMORY_BOUND_MB = 600  # the server idles at ~150 MB; the bomb unpacks to 384 MB


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    async def with_cycle() -> None:
        await draft_cycle()

    with live_site(tmp_path_factory.mktemp("sheets"), with_cycle) as running:
        yield running


def counts(site: Site) -> tuple[int, int, int, int]:
    path = site.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("cadre", "town", "offering", "evidence")
        )


def upload_everywhere(site: Site, content: bytes) -> list[str]:
    """Send one file to each import as its own office user would; the pages' text back."""
    office, training = site.browser(), site.browser()
    assert office.login("office").status_code == 302
    assert training.login("training").status_code == 302
    files = {"file": ("花名册.xlsx", content, XLSX)}
    answers = [
        office.client.post(
            "/office/roster/preview",
            data={"_csrf_token": office.token("/office/roster")},
            files=files,
        ),
        training.client.post(
            "/training/catalogue/import",
            data={"_csrf_token": training.token("/training/catalogue")},
            files=files,
        ),
        office.client.post(
            "/office/cycles/1/evidence",
            data={"_csrf_token": office.token("/office/cycles/1/evidence")},
            files=files,
        ),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.text[:300]
    return [answer.text for answer in answers]


def test_a_cell_at_XFD1048576_is_refused_and_the_site_stays_up(site: Site) -> None:
    before = counts(site)
    pages = upload_everywhere(site, far_cell_workbook())
    for page in pages:
        assert "表格范围过大" in page
    assert site.alive()
    assert site.browser().get("/healthz").status_code == 200
    assert counts(site) == before


def test_a_zip_bomb_is_refused_without_unpacking_it(site: Site) -> None:
    bomb = zip_bomb_workbook(384)
    assert len(bomb) < 2_000_000
    before = counts(site)
    pages = upload_everywhere(site, bomb)
    for page in pages:
        assert "表格解压后过大" in page
    assert site.alive()
    assert site.browser().get("/healthz").status_code == 200
    assert site.peak_memory_mb() < MEMORY_BOUND_MB, f"{site.peak_memory_mb():.0f} MB"
    assert counts(site) == before


def test_a_parser_that_dies_is_a_clear_error_not_a_dead_worker(site: Site, tmp_path: Path) -> None:
    """Past the archive checks, parsing happens in a child process under a memory limit: a
    file that kills the parser (here: a truncated archive that still starts like one) gets
    a message, and the server keeps going."""
    truncated = far_cell_workbook()[:900]
    pages = upload_everywhere(site, truncated)
    for page in pages:
        assert "表格" in page or "文件" in page
    assert site.alive()


def test_headers_that_blank_out_to_one_name_are_refused_not_a_crash() -> None:
    """Found by the spreadsheet fuzz: two header cells that differ only in blanks made the
    reader rename both columns to one name and fail with a 500."""
    from evaluation.errors import Invalid
    from evaluation.infra.spreadsheets import read_table

    with pytest.raises(Invalid) as caught:
        read_table("干部编号, 干部编号 ,姓名\nT1,T1,张三\n".encode(), "roster.csv")
    assert "表头有重复的列名：干部编号" in caught.value.message
    unnamed = read_table("干部编号,,\nT1,,\n".encode(), "roster.csv")
    assert unnamed.columns == ["干部编号", "未命名列2", "未命名列3"]
    with pytest.raises(Invalid):
        read_table("姓名,姓名\n张三,李四\n".encode(), "roster.csv")


def test_a_corrupted_compressed_part_is_refused_not_a_crash() -> None:
    """Found by the spreadsheet fuzz: a flipped byte inside a sheet's deflate stream raised
    zlib.error out of the size check, a 500."""
    import io
    import random
    import zipfile

    from evaluation.errors import Invalid
    from evaluation.infra.spreadsheets import read_table

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        cells = "".join(f"<c><v>{random.Random(n).random()}</v></c>" for n in range(800))
        archive.writestr("xl/worksheets/sheet1.xml", f"<worksheet><row>{cells}</row></worksheet>")
    content = bytearray(buffer.getvalue())
    start = content.index(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    for at in range(start + 20, start + 60):
        content[at] ^= 0x5A  # scramble the compressed bytes, keep the archive's directory
    with pytest.raises(Invalid) as caught:
        read_table(bytes(content), "roster.xlsx")
    assert "文件已损坏" in caught.value.message
