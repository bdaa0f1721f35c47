"""Counting the updates the bot handles, by how each ended (core.metrics).

An outer middleware just inside aiogram's error middleware: it sees the exception a
handler raised before the error handlers (bot.handlers.errors) turn it into a reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from core.errors import DomainError
from core.metrics import BOT_HANDLER_ERRORS, BOT_UPDATES

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class CountUpdates(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            result = await handler(event, data)
        except DomainError:
            BOT_UPDATES.labels("refused").inc()
            raise
        except Exception as exc:
            BOT_UPDATES.labels("error").inc()
            BOT_HANDLER_ERRORS.labels(type(exc).__name__).inc()
            raise
        BOT_UPDATES.labels("ok").inc()
        return result
