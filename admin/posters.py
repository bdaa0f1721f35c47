"""Printed and posted pictures with Chinese text: the assembly point's poster (an A4 page
with the activity, the place, the times and the QR that checks in, a deep link into the
bot, as a PDF to print), a ranking board's notice (公示, A4 pages to pin up) and its
picture for a chat. Drawn with Pillow (the
CJK font is Debian's fonts-noto-cjk, found on the machine, never shipped)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import qrcode
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from core.errors import DomainError

DPI = 200
A4 = (round(8.27 * DPI), round(11.69 * DPI))  # 210 × 297 mm
MARGIN = DPI // 2
# Where Debian's fonts-noto-cjk puts its fonts (Sans for a poster read from afar).
CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
)
SIMPLIFIED_CHINESE = 2  # the face within the .ttc collections: JP, KR, SC, TC…


class PosterFontMissing(DomainError):
    code = "poster_font_missing"


def poster_pdf(*, title: str, place: str, lines: Sequence[str], link: str) -> bytes:
    """One A4 page: the title large, the place, a few lines of instructions, the QR."""
    font_path = _font()
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    y = MARGIN
    y = _text(draw, title, y, _face(font_path, DPI // 2))
    y = _text(draw, place, y + DPI // 10, _face(font_path, DPI // 4))
    qr = _qr(link, A4[0] - 4 * MARGIN)
    page.paste(qr, ((A4[0] - qr.width) // 2, y + DPI // 5))
    y += DPI // 5 + qr.height + DPI // 5
    for line in lines:
        y = _text(draw, line, y, _face(font_path, DPI // 5))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=DPI)
    return out.getvalue()


def notice_pdf(
    *, title: str, heading: Sequence[str], lines: Sequence[tuple[str, bool]], footer: str
) -> bytes:
    """A board's public notice to pin up: the title and the heading lines, then one line
    a place, a highlighted line (the champion) larger and red; as many A4 pages as it
    takes, each with the footer (the notice's dates, the checksum). Real text with the
    CJK font embedded (only the characters used), so it prints sharp and can be searched."""
    title, heading, footer = (
        _printable(title),
        [_printable(h) for h in heading],
        _printable(footer),
    )
    lines = [(_printable(text), highlighted) for text, highlighted in lines]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("cjk", fname=str(_font()), collection_font_number=SIMPLIFIED_CHINESE)
    pdf.add_page()
    pdf.set_font("cjk", size=22)
    pdf.multi_cell(0, 12, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    for line in heading:
        pdf.multi_cell(0, 8, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for text, highlighted in lines:
        pdf.set_font("cjk", size=16 if highlighted else 12)
        pdf.set_text_color(139, 0, 0) if highlighted else pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, 9 if highlighted else 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(85, 85, 85)
    pdf.ln(4)
    pdf.multi_cell(0, 5, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _printable(text: str) -> str:
    """Without emoji (🏆, ⚠️): the CJK font has none, and a printer would leave a gap."""
    kept = "".join(c for c in text if unicodedata.category(c) != "So" and c != "\ufe0f")
    return kept.strip()


def leaderboard_png(*, title: str, lines: Sequence[str], width: int = 1080) -> bytes:
    """A board as a picture for a chat: the title, then one line a place, the first
    (the champion) large and gold."""
    font_path = _font()
    height = 220 + 90 * len(lines)
    page = Image.new("RGB", (width, height), "#fffaf0")
    draw = ImageDraw.Draw(page)
    draw.text((60, 60), title, font=_face(font_path, 64), fill="#8b0000")
    y = 180
    for position, line in enumerate(lines):
        champion = position == 0
        face = _face(font_path, 56 if champion else 44)
        draw.text((60, y), line, font=face, fill="#b8860b" if champion else "#222222")
        y += 90
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font() -> Path:
    for path in CJK_FONTS:
        if path.is_file():
            return path
    raise PosterFontMissing(package="fonts-noto-cjk")


def _face(path: Path, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(path), size, index=SIMPLIFIED_CHINESE)
    except OSError:  # a single-face file
        return ImageFont.truetype(str(path), size)


def _text(draw: ImageDraw.ImageDraw, text: str, y: int, face: ImageFont.FreeTypeFont) -> int:
    """`text` centred at `y`; the y below it."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=face)
    draw.text(((A4[0] - (right - left)) // 2, y), text, font=face, fill="black")
    return y + int(bottom - top) + DPI // 10


def _qr(link: str, side: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(link)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return image.resize((side, side), Image.Resampling.NEAREST)
