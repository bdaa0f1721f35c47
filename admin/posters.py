"""Printed and posted pictures with Chinese text: the assembly point's poster (an A4 page
with the activity, the place, the times and the QR that checks in, a deep link into the
bot, as a PDF to print) and a ranking board's picture for a chat. Drawn with Pillow (the
CJK font is Debian's fonts-noto-cjk, found on the machine, never shipped)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import qrcode
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
