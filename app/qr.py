"""QR codes for print: the resident cards, the meeting-room codes, training check-in."""

from __future__ import annotations

import segno


def qr_svg(url: str) -> str:
    """An inline SVG QR code: medium error correction survives a worn print; the four-module
    quiet zone the standard asks for keeps the code readable next to a card edge or text."""
    return segno.make(url, error="m").svg_inline(scale=4, border=4, dark="#1f2a37")
