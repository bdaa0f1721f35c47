"""Who is writing, and in which language to answer them.

The person's own choice wins; until they make one, Telegram's `language_code` decides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from core.i18n import DEFAULT_LOCALE, Catalogues, normalize_locale
from core.uow import UnitOfWork
from rewards.people.service import greet

TELEGRAM = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class LocaleMiddleware(BaseMiddleware):
    def __init__(self, catalogues: Catalogues) -> None:
        self.catalogues = catalogues

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        locale = DEFAULT_LOCALE
        if user is not None and not user.is_bot:
            uow: UnitOfWork = data["uow"]
            # Its own unit of work: meeting someone is not what the update asked for, so
            # it must not carry the update's once-only record (see unit_of_work.py).
            person = await greet(
                UnitOfWork(uow.database, uow.clock),
                channel=TELEGRAM,
                external_id=user.id,
                display_name=user.full_name,
                language_hint=user.language_code,
            )
            data["person"] = person
            locale = person.language
        elif user is not None:
            locale = normalize_locale(user.language_code)
        data["t"] = self.catalogues.translator(locale)
        return await handler(event, data)
