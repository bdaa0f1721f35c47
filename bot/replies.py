"""Answering whatever kind of update arrived: a message gets a message, a button a toast."""

from __future__ import annotations

from aiogram.types import Update

# Telegram cuts callback answers at 200 characters.
CALLBACK_TEXT_LIMIT = 200


async def tell(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text[:CALLBACK_TEXT_LIMIT], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)
