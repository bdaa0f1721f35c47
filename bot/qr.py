"""QR codes as PNG images, made in memory: the resident's pay code in the bot (and, later,
a checkout's deep link on the kiosk page)."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage

# Ten pixels a module: a twelve-digit code (21 modules and the quiet zone) comes out at
# 290 pixels, which a kiosk's scanner reads off a phone held at arm's length.
BOX_SIZE = 10
# The quiet zone the standard asks for; scanners miss codes drawn without it.
BORDER = 4


def qr_png(text: str) -> bytes:
    """A PNG of a QR code holding exactly `text`."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=BOX_SIZE,
        border=BORDER,
        image_factory=PyPNGImage,
    )
    code.add_data(text, optimize=0)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
