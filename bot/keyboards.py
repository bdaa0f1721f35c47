"""Keyboards are pure functions of what they show and the reader's translator."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import LanguageCallback
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
