"""Hostile workbooks, built the way an attacker would: small files that a naive reader turns
into a huge allocation."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}"><sheets>'
        '<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row>'


def far_cell_workbook() -> bytes:
    """A real .xlsx (1–2 KB) with a header row and one more cell, at XFD1048576: the last
    cell of the grid, which a reader that allocates the declared range turns into ~512 GB."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("花名册")
    for column, title in enumerate(["干部编号", "姓名", "乡镇编号"]):
        sheet.write(0, column, title)
    sheet.write("XFD1048576", "x")
    book.close()
    return buffer.getvalue()


def zip_bomb_workbook(unpacked_mb: int = 384) -> bytes:
    """A valid .xlsx of about 1.4 MB whose one sheet unzips to `unpacked_mb` MB of XML:
    millions of identical two-cell rows (no cell references), which compress ~280×."""
    buffer = io.BytesIO()
    block = ROW * 20_000
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, xml in PARTS.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for _ in range((unpacked_mb << 20) // len(block) + 1):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()
