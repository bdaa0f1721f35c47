"""Deep links into the bot and their QR codes (a kiosk's checkout, a staff member's link),
drawn here as SVG so a page needs nothing from outside the panel (kiosks may be on a LAN
without internet)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg

from rewards.redemption.codes import LINK_PREFIX


def deep_link(bot_username: str | None, payload: str) -> str | None:
    """https://t.me/<bot>?start=<payload>; None while the bot's username is not set."""
    if not bot_username:
        return None
    return f"https://t.me/{bot_username}?start={payload}"


def checkout_link(bot_username: str | None, secret: str) -> str | None:
    """The bot's deep link for the checkout."""
    return deep_link(bot_username, LINK_PREFIX + secret)


def qr_svg(text: str) -> str:
    """An SVG of `text` as a QR code; medium error correction survives a glare on a tablet."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    return image.to_string(encoding="unicode")
