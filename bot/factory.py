"""Building the bot and its dispatcher: the one recipe production and tests share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import aiogram
from aiogram import Bot, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Update

from bot.handlers import get_routers
from bot.middlewares.counting import CountUpdates
from bot.middlewares.locale import LocaleMiddleware
from bot.middlewares.response_types import KeepResponseTypes
from bot.middlewares.send_pace import SharedSendPace
from bot.middlewares.unit_of_work import UnitOfWorkMiddleware
from core.clock import Clock, SystemClock
from core.db import Database
from core.files import FileStorage, LocalFileStorage
from core.i18n import Catalogues
from core.logs import log_context
from core.ratelimit import RateLimiter
from core.redis import connect_redis
from core.settings import DEFAULT_FILES_DIR, DEFAULT_TIME_ZONE, Settings
from rewards.cases.duplicates import DuplicatePolicy
from rewards.duty.policy import DEFAULT_POLICY, DutyPolicy
from rewards.messaging.delivery import Pace
from rewards.people.joining import code_guess_limiter


class Dispatcher(aiogram.Dispatcher):
    """aiogram's dispatcher, with the update's id named on every line logged while it is
    handled (core.logs): by the handlers, by the error handlers, and by aiogram itself
    ("Update id=… is handled"). Polling and the webhook both come through feed_update."""

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with log_context(update_id=update.update_id):
            return await super().feed_update(bot, update, **kwargs)


def create_bot(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> Bot:
    """A Bot speaking to `settings.telegram_api_url` (Telegram, or a local stand-in).
    With `database`, its messages keep the sending pace shared with the outbox."""
    if settings.bot_token is None:
        raise ValueError("create_bot needs MORALBANK_BOT_TOKEN")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(KeepResponseTypes())
    if database is not None:
        pace = Pace(per_second=settings.send_rate_per_second)
        session.middleware(SharedSendPace(database, clock or SystemClock(), pace))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_storage(settings: Settings) -> BaseStorage:
    """Conversation state in Redis when configured, so it survives restarts and is shared
    by several bot processes; in memory otherwise."""
    if settings.redis_url:
        return RedisStorage(connect_redis(settings.redis_url))
    return MemoryStorage()


def create_dispatcher(
    *,
    database: Database,
    catalogues: Catalogues,
    storage: BaseStorage | None = None,
    clock: Clock | None = None,
    routers: Sequence[Router] | None = None,
    zone: ZoneInfo | None = None,
    code_guesses: RateLimiter | None = None,
    files: FileStorage | None = None,
    duplicates: DuplicatePolicy | None = None,
    duty: DutyPolicy | None = None,
) -> Dispatcher:
    """The dispatcher with every middleware; `routers` defaults to all feature routers.
    `zone` is the community's time zone (periods such as "this quarter"); `files` where
    photos of reports are kept."""
    dispatcher = Dispatcher(
        storage=storage or MemoryStorage(),
        catalogues=catalogues,
        zone=zone or ZoneInfo(DEFAULT_TIME_ZONE),
        code_guesses=code_guesses or code_guess_limiter(None),
        files=files or LocalFileStorage(DEFAULT_FILES_DIR),
        duplicates=duplicates or DuplicatePolicy(),
        duty=duty or DEFAULT_POLICY,
    )
    # Order matters: counting sees every way an update ends (it sits just inside aiogram's
    # error middleware); the unit of work must exist before the locale lookup uses it.
    dispatcher.update.outer_middleware(CountUpdates())
    dispatcher.update.outer_middleware(UnitOfWorkMiddleware(database, clock or SystemClock()))
    dispatcher.update.outer_middleware(LocaleMiddleware(catalogues))
    dispatcher.include_routers(*(get_routers() if routers is None else routers))
    return dispatcher


async def poll(
    dispatcher: aiogram.Dispatcher, bot: Bot, settings: Settings, **options: Any
) -> None:
    """Long polling as `moralbank run` does it: at most `bot_concurrent_updates` updates
    in hand at once; the next ones wait in Telegram's queue (unbounded, a burst of 200
    ran 200 handlers at once and exhausted the Redis and database pools)."""
    await dispatcher.start_polling(
        bot,
        handle_signals=False,
        close_bot_session=False,
        allowed_updates=dispatcher.resolve_used_update_types(),
        tasks_concurrency_limit=settings.bot_concurrent_updates,
        **options,
    )
