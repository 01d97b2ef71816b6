"""Content-Disposition for files whose names people chose (rubric codes, uploaded evidence):
RFC 6266 with RFC 5987's `filename*`. The plain `filename` is an ASCII fallback that nothing
can end early (no quote, backslash, semicolon or line break), the real name rides
percent-encoded in UTF-8 — so a Chinese name downloads as itself, and a name with `"` or
CR/LF can neither add a parameter nor break the response."""

from __future__ import annotations

from urllib.parse import quote

UNSAFE = set('"\\;\r\n')


def download_headers(name: str, disposition: str = "attachment") -> dict[str, str]:
    clean = name.replace("\r", "").replace("\n", "") or "download"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in UNSAFE else "_" for c in clean
    )
    return {
        "content-disposition": (
            f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(clean, safe='')}"
        )
    }
