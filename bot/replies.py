"""Answering whatever kind of update arrived: a message gets a message, a button a toast."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Update

# Telegram cuts callback answers at 200 characters.
CALLBACK_TEXT_LIMIT = 200


async def tell(update: Update, text: str) -> None:
    if update.callback_query is not None:
        query = update.callback_query
        try:
            await query.answer(text[:CALLBACK_TEXT_LIMIT], show_alert=True)
            return
        except TelegramBadRequest:
            # The handler answered the button before it failed: a query is answered once,
            # so the news goes to the chat as a message.
            pass
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        assert query.bot is not None
        await query.bot.send_message(chat_id, text)
    elif update.message is not None:
        await update.message.answer(text)
