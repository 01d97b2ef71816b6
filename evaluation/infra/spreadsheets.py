"""Reading spreadsheets people upload — under limits, so no file can take the server down.

Every import (roster, training catalogue, objective evidence, and any later one) reads its
file here, as a frame of text cells with the first row as headers:

* .xlsx / .xlsm / .ods (zip): the archive is checked before anything parses it — total
  unpacked size, number of parts, the ratio of unpacked to packed bytes (a "zip bomb"),
  and every cell reference in the sheets, streamed: a single cell at XFD1048576 is
  refused here, instead of making the parser allocate the full grid (~512 GB);
* .xlsx, .xls and WPS files (.et, the same binary format as .xls) are then parsed in a
  child process with a memory and CPU limit: whatever the parser does with a hostile file,
  the worst case is that child dying, answered with a clear Chinese error;
* CSV is read in this process (bounded by the upload size), in UTF-8 (with or without
  BOM), UTF-16 with BOM, or GB18030 — what Chinese Excel and WPS save.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from evaluation.errors import Invalid

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 250  # unpacked ÷ packed, per part (real sheets compress ~5–20×)
MAX_PARTS = 500
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000
WORKER_MEMORY_BYTES = 1024 * 1024 * 1024
WORKER_SECONDS = 30
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CELL_REFERENCE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
ROW_REFERENCE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]{1,7})"')
CHUNK = 1 << 20
TEXT_SUFFIXES = ("csv", "txt", "tsv", "")


@dataclass(frozen=True)
class Limits:
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    cells: int = MAX_CELLS


def refuse(message: str, hint: str) -> Invalid:
    return Invalid(message, {"file": hint})


def read_table(
    content: bytes, filename: str, limits: Limits = Limits(), header: Collection[str] = ()
) -> pl.DataFrame:
    """The first sheet (or the CSV) as text columns named by the header row. Raises Invalid
    with a Chinese message for anything unreadable, oversized or hostile. `header`: names the
    import's header row holds — given them, a title, a unit or a date typed above the header
    (as offices make their sheets) is skipped: the header is the first of the top rows that
    holds one of them. Blocking: call it through `asyncio.to_thread` from the event loop."""
    if not content:
        raise refuse("文件是空的", "请选择有内容的表格文件")
    if len(content) > MAX_UPLOAD_BYTES:
        raise refuse(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB", "请拆分后分批导入")
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if content.startswith(ZIP):
        check_archive(content, limits)
        frame = below_title(parse_in_child(content), header)
    elif content.startswith(OLE):
        frame = below_title(parse_in_child(content), header)
    elif suffix in ("xlsx", "xlsm", "xls", "et", "ods"):
        raise refuse("文件不是有效的表格文件", "请用 Excel 或 WPS 另存为 .xlsx 后再导入")
    elif suffix not in TEXT_SUFFIXES:
        raise refuse("只支持 Excel、WPS 表格或 CSV 文件", "请上传 .xlsx、.xls、.et 或 .csv 文件")
    else:
        frame = read_csv(content, header)
    if frame.height > limits.rows or frame.width > limits.columns:
        raise refuse(
            f"表格过大：{frame.height} 行 × {frame.width} 列",
            f"一次最多 {limits.rows} 行、{limits.columns} 列，请拆分后导入",
        )
    return frame


def check_archive(content: bytes, limits: Limits) -> None:
    """Refuse an .xlsx whose unpacked size, ratio or cell grid is out of bounds — by
    streaming the parts, never holding one unpacked in memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise refuse("文件已损坏或不是表格文件", "请用 Excel 或 WPS 重新保存后再导入") from None
    if len(parts) > MAX_PARTS:
        raise refuse("表格文件结构异常", "文件中的部件过多，请重新保存后再导入")
    if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
        raise refuse("表格解压后过大", "请删去多余的工作表或拆分后导入")
    for part in parts:
        if part.compress_size and part.file_size / part.compress_size > MAX_RATIO:
            raise refuse("表格文件结构异常（压缩比异常）", "请用 Excel 或 WPS 重新保存后再导入")
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            check_grid(archive, part, limits)


def check_grid(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limits: Limits) -> None:
    """Every cell and row reference in one sheet, read in chunks: the grid they span must
    fit the limits (the parser allocates the whole rectangle up to the last cell)."""
    rows = columns = 0
    tail = b""
    read = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK):
                read += len(chunk)
                if read > MAX_UNPACKED_BYTES:
                    raise refuse("表格解压后过大", "请删去多余的工作表或拆分后导入")
                text = tail + chunk
                for letters, number in CELL_REFERENCE.findall(text):
                    columns = max(columns, column_number(letters))
                    rows = max(rows, int(number))
                for number in ROW_REFERENCE.findall(text):
                    rows = max(rows, int(number))
                tail = text[-256:]
                if rows > limits.rows or columns > limits.columns or rows * columns > limits.cells:
                    raise refuse(
                        "表格范围过大（有内容的单元格远在数据之外）",
                        f"一次最多 {limits.rows} 行、{limits.columns} 列：请删除表格远处的空白或多余单元格后再导入",
                    )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
        raise refuse("文件已损坏或不是表格文件", "请用 Excel 或 WPS 重新保存后再导入") from None


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


# The memory limit caps address space, and address space is mostly reservations: every
# polars worker thread and every glibc malloc arena (64 MiB each) reserves some. With one
# thread per core, a small workbook reserved ~1.0 GiB on two cores — a coin toss against
# the limit — and more on bigger machines. One parser thread and two arenas bring a small
# file to ~0.3 GiB whatever the machine, so the limit measures the file, not the host.
WORKER_ENVIRONMENT = {"POLARS_MAX_THREADS": "1", "RAYON_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


def parse_in_child(content: bytes, memory: int = WORKER_MEMORY_BYTES) -> pl.DataFrame:
    """Parse with calamine in a child process under memory and CPU limits; its answer
    comes back as Arrow IPC (text columns)."""
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "evaluation.infra.sheet_worker",
                str(memory),
                str(WORKER_SECONDS),
            ],
            input=content,
            capture_output=True,
            timeout=WORKER_SECONDS + 10,
            check=False,
            env={**os.environ, **WORKER_ENVIRONMENT},
        )
    except subprocess.TimeoutExpired:
        raise refuse("表格读取超时", "文件可能过大或结构异常，请重新保存或拆分后导入") from None
    if done.returncode == 2:
        raise refuse(
            "文件无法读取，请确认是有效的表格文件", done.stderr.decode(errors="replace")[-200:]
        )
    if done.returncode != 0:
        raise refuse(
            "表格过大或结构异常，无法读取", "请用 Excel 或 WPS 重新保存，删去多余内容后再导入"
        )
    return pl.read_ipc(io.BytesIO(done.stdout))


ENCODINGS = ("utf-8-sig", "utf-16", "gb18030")
POLARS_REPEAT = re.compile(r"^(.*)_duplicated_\d+$", re.S)


def read_csv(content: bytes, header: Collection[str] = ()) -> pl.DataFrame:
    """CSV as Chinese Excel, WPS and other systems save it (lines above the header skipped,
    see `read_table`)."""
    text = None
    for encoding in ENCODINGS:
        if encoding == "utf-16" and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise refuse("CSV 文件的编码无法识别", "请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx")
    separator = "\t" if text[:2000].count("\t") > text[:2000].count(",") else ","
    if header:  # skipped as text: a one-cell title line would set the width of every row
        lines = text.splitlines(keepends=True)
        top = list(csv.reader(lines[: TITLE_ROWS + 1], delimiter=separator))
        text = "".join(lines[header_row(top, header) :])
    try:
        frame = pl.read_csv(
            io.StringIO(text), infer_schema=False, truncate_ragged_lines=True, separator=separator
        )
    except Exception:  # polars raises several kinds for malformed text
        raise refuse("CSV 文件格式有误，无法读取", "请检查分隔符与表头，或另存为 .xlsx") from None
    return frame.rename(clean_headers(frame.columns))


TITLE_ROWS = 10  # rows a sheet may carry above its header (a title, a unit, a date)


def header_row(rows: list[list[str]], names: Collection[str]) -> int:
    """The index of the first of the top rows holding one of `names` as a cell (0 if none)."""
    wanted = {name.strip() for name in names}
    for index, cells in enumerate(rows[: TITLE_ROWS + 1]):
        if any(str(cell or "").strip().lstrip("\ufeff").strip() in wanted for cell in cells):
            return index
    return 0


def below_title(frame: pl.DataFrame, header: Collection[str]) -> pl.DataFrame:
    """A parsed sheet whose header row lies below a title: that row's cells name the columns
    and the rows above it are dropped (the sheet as it is when no row holds a header name)."""
    if not header:
        return frame
    top = [frame.columns, *[list(r) for r in frame.head(TITLE_ROWS).rows()]]
    at = header_row(top, header)
    if at == 0:
        return frame
    names = header_names(["" if value is None else str(value) for value in top[at]])
    return frame.slice(at).rename(dict(zip(frame.columns, names, strict=True)))


def clean_headers(columns: list[str]) -> dict[str, str]:
    """The parsed header's names, cleaned (`header_names`); polars' own name for a repeated
    header cell is refused as the repeat it is."""
    raw = []
    for column in columns:
        repeated = POLARS_REPEAT.match(column)
        if repeated and repeated.group(1).strip():
            raise refuse(
                f"表头有重复的列名：{repeated.group(1).strip()[:40]}",
                "请让每一列的表头各不相同后再导入",
            )
        raw.append("" if repeated else column)
    return dict(zip(columns, header_names(raw), strict=True))


def header_names(cells: list[str]) -> list[str]:
    """Header cells without surrounding blanks or a byte-order mark; unnamed columns get a
    placeholder name; two columns with one name are refused (which one would count?)."""
    names: list[str] = []
    for index, cell in enumerate(cells):
        name = cell.strip().lstrip("\ufeff").strip() or f"未命名列{index + 1}"
        if name in names:
            raise refuse(f"表头有重复的列名：{name[:40]}", "请让每一列的表头各不相同后再导入")
        names.append(name)
    return names
