"""What every printable A4 notice (公示) shares: the built-in CID font STSong-Light (no font file
to ship), text wrapping by glyph width for Chinese, and a QR code back to the public page."""

import io

import qrcode
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

FONT = "STSong-Light"
MARGIN = 20 * mm
LINE = 7 * mm


def font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def qr_image(url: str) -> ImageReader:
    image = qrcode.make(url, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return ImageReader(out)


def wrap(text: str, width: float, size: int) -> list[str]:
    """Break Chinese (or mixed) text by character width; pdfmetrics measures each glyph."""
    lines, current = [], ""
    for char in text:
        if char == "\n" or pdfmetrics.stringWidth(current + char, FONT, size) > width:
            lines.append(current)
            current = "" if char == "\n" else char
        else:
            current += char
    return [*lines, current] if current else lines
