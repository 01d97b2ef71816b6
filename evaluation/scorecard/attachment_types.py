"""What a town may attach as evidence, judged by the bytes, never by the name or the type
the browser claims (issue 29, #6: an .exe was accepted). Pure."""

from __future__ import annotations

KINDS = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "office": "application/vnd.openxmlformats-officedocument",  # .xlsx / .docx
    "text": "text/plain; charset=utf-8",
}
ALLOWED_WORDS = "PDF、图片（JPG/PNG）、Excel/Word（.xlsx/.docx）或文本文件"


def kind_of(content: bytes) -> str | None:
    """The evidence kind of a file's content, or None when it is none we accept."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in content[:4096]:
        return "office"
    if content and _plain_text(content):
        return "text"
    return None


def _plain_text(content: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(ord(c) < 32 and c not in "\t\r\n" for c in text)
    return False
