"""Answering whatever kind of update arrived: a message gets a message, a button a toast;
and texts longer than one message as several."""

from __future__ import annotations

import re
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, Message, Update

from core.errors import DomainError

# Telegram cuts callback answers at 200 characters.
CALLBACK_TEXT_LIMIT = 200
# Telegram refuses a message longer than 4096 characters (after the markup is parsed).
MESSAGE_LIMIT = 4096
# Where a line too long for one message may be cut: not inside a tag or an entity.
_OPEN_MARKUP = re.compile(r"<[^>]*$|&[#\w]*$")


async def answer_long(message: Message, text: str, **kwargs: Any) -> None:
    """Answer with `text`, in as many messages as it needs; keyboards go on the last."""
    *first, last = split_text(text)
    for piece in first:
        await message.answer(piece)
    await message.answer(last, **kwargs)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between lines. The markup
    counts too, so a piece is never longer once parsed; our markup closes on its line."""
    pieces: list[str] = []
    current = ""
    for line in _short_lines(text, limit):
        joined = f"{current}\n{line}" if current else line
        if _length(joined) <= limit:
            current = joined
            continue
        pieces.append(current)
        current = line
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [text]


def _short_lines(text: str, limit: int) -> list[str]:
    """The lines of `text`, a line longer than `limit` cut where no markup is open."""
    lines: list[str] = []
    for line in text.split("\n"):
        while _length(line) > limit:
            cut = limit
            while cut > 1 and (_length(line[:cut]) > limit or _OPEN_MARKUP.search(line[:cut])):
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def _length(text: str) -> int:
    """Characters as Telegram counts them at most (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


async def edit_text(message: Message, text: str, **kwargs: Any) -> None:
    """Show `text` in place of the message. Telegram refuses an edit that changes nothing;
    a second tap on a button whose answer is already shown is no failure."""
    try:
        await message.edit_text(text, **kwargs)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise


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


class StaleButton(DomainError):
    code = "stale_button"


# Where to answer a tap: the button's message, or, when Telegram no longer shows us that
# message (too old), what is left of it, whose chat is still the one to answer in.
Answerable = Message | InaccessibleMessage


def chat_of(callback: CallbackQuery) -> Answerable:
    if callback.message is None:  # a button of an inline-mode message: none are ours
        raise StaleButton()
    return callback.message
