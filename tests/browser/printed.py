"""Reading printed pages back as their readers do: Chromium prints to an A4 PDF, pdftoppm
rasterises it at 300 dpi (a office printer's resolution), and a QR reader (zxing-cpp, the
library behind many phone scanners) decodes every code it finds on each page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

DPI = 300


def print_to_pdf(page, path: Path) -> Path:  # type: ignore[no-untyped-def]
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True)
    page.emulate_media(media="screen")
    return path


def decoded_qr_codes(pdf: Path, prefix: str = "http") -> list[list[str]]:
    """Per printed page, the text of every QR code a reader decodes from it that starts with
    `prefix` (our links). The reader can also "find" a short phantom code in the modules of
    real ones (once in CI: "298", beside all 78 real links decoded); a phone shows the code it
    is pointed at, so only what reads as one of our links counts — and every card must be
    among those."""
    pages = pdf.parent / f"{pdf.stem}-pages"
    pages.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(pages / "page")], check=True)
    found = []
    for image in sorted(pages.glob("page-*.png")):
        with Image.open(image) as picture:
            results = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
        found.append([r.text for r in results if r.text.startswith(prefix)])
    return found
