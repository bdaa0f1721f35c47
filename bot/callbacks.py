"""Callback data of inline buttons. Prefixes stay short: Telegram allows 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class WalletPage(CallbackData, prefix="wp"):
    """A page of the resident's statement ("My points")."""

    page: int
