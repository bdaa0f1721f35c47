"""Keyboards are pure functions of what they show and the reader's translator."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.callbacks import LanguageCallback, WalletPage
from core.i18n import LOCALES, Translator


def language_kb(t: Translator) -> InlineKeyboardMarkup:
    """One button per language, each labelled in its own language."""
    buttons = [
        InlineKeyboardButton(
            text=t(f"language.option.{code}"), callback_data=LanguageCallback(code=code).pack()
        )
        for code in LOCALES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def main_menu_kb(t: Translator) -> ReplyKeyboardMarkup:
    """The menu under the input field: large buttons, so nobody has to type a command."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("menu.points")), KeyboardButton(text=t("menu.rules"))]],
        resize_keyboard=True,
        is_persistent=True,
    )


def pager_kb(t: Translator, page: int, pages: int) -> InlineKeyboardMarkup | None:
    """‹ newer · older › buttons under a statement; none when it fits on one page."""
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                text=t("wallet.newer"), callback_data=WalletPage(page=page - 1).pack()
            )
        )
    if page + 1 < pages:
        buttons.append(
            InlineKeyboardButton(
                text=t("wallet.older"), callback_data=WalletPage(page=page + 1).pack()
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None
