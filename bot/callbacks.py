"""Callback data of inline buttons. Prefixes stay short: Telegram allows 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class WalletPage(CallbackData, prefix="wp"):
    """A page of the resident's statement ("My points")."""

    page: int


class JoinStep(CallbackData, prefix="js"):
    """A choice on the way in: agree | later | code | new."""

    action: str


class JoinPlace(CallbackData, prefix="jp"):
    """A community (kind "c") or a grid (kind "g") chosen while joining."""

    kind: str
    id: int


class LeaveStep(CallbackData, prefix="lv"):
    """confirm | cancel"""

    action: str
