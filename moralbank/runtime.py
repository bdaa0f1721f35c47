"""`moralbank run`: the web panel, the bot and the worker in one process.

Everything is built here from settings, never at import time. The panel is served by
uvicorn; the bot receives updates by long polling, or through the panel's HTTP server when
a webhook URL is set; the worker runs beside both. Ctrl-C (or SIGTERM) stops uvicorn,
which then stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import uvicorn
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from fastapi import FastAPI

from admin.app import create_app
from bot.commands import publish_commands
from bot.factory import create_bot, create_dispatcher, create_storage, poll
from bot.outbox_sender import OutboxSender
from bot.webhook import create_webhook_endpoint, webhook_secret
from core.clock import SystemClock
from core.db import Database
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.logs import say
from core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from core.redis import connect_redis
from core.settings import Settings
from moralbank.worker import Worker, worker_id
from rewards.cases.duplicates import DuplicatePolicy
from rewards.duty.policy import DutyPolicy, duty_policy
from rewards.messaging.delivery import Pace
from rewards.messaging.quiet_hours import QuietHours
from rewards.people.joining import code_guess_limiter

log = logging.getLogger("moralbank")
LOGIN_ATTEMPTS_PER_MINUTE = 10
STOP_GRACE_SECONDS = 3.0


class _Server(uvicorn.Server):
    """uvicorn that stops on SIGINT/SIGTERM without re-raising the signal afterwards.

    uvicorn re-raises a caught signal once it has stopped, which would kill the process
    while the bot and the worker are still shutting down; here the stop is graceful for
    all three, and the exit status is 0.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        stops = (signal.SIGINT, signal.SIGTERM)
        for sig in stops:
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in stops:
                loop.remove_signal_handler(sig)


@dataclass
class TelegramSide:
    bot: Bot
    dispatcher: Dispatcher


def _login_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        redis = connect_redis(settings.redis_url)
        return RedisRateLimiter(
            redis, limit=LOGIN_ATTEMPTS_PER_MINUTE, window_seconds=60, prefix="moralbank:login"
        )
    return MemoryRateLimiter(limit=LOGIN_ATTEMPTS_PER_MINUTE, window_seconds=60)


def server_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves the panel. The one place that decides the client address:
    X-Forwarded-For is read only from MORALBANK_TRUSTED_PROXIES (uvicorn would otherwise
    trust 127.0.0.1, so any local client could pick an address for each login)."""
    proxies = [part.strip() for part in settings.trusted_proxies.split(",") if part.strip()]
    return uvicorn.Config(
        app,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        # uvicorn's lines go through ours (core.logs): the same format, JSON included.
        log_config=None,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )


def _telegram(settings: Settings, database: Database, catalogues: Catalogues) -> TelegramSide:
    dispatcher = create_dispatcher(
        database=database,
        catalogues=catalogues,
        storage=create_storage(settings),
        zone=ZoneInfo(settings.time_zone),
        code_guesses=code_guess_limiter(
            connect_redis(settings.redis_url) if settings.redis_url else None
        ),
        files=LocalFileStorage(settings.files_dir),
        duplicates=DuplicatePolicy(
            radius_m=settings.case_duplicate_radius_m,
            window=timedelta(days=settings.case_duplicate_days),
        ),
        duty=duty_policy_of(settings),
    )
    return TelegramSide(create_bot(settings, database=database), dispatcher)


def duty_policy_of(settings: Settings) -> DutyPolicy:
    return duty_policy(
        check_in_before_minutes=settings.duty_check_in_before_minutes,
        check_in_after_minutes=settings.duty_check_in_after_minutes,
        offer_minutes=settings.duty_offer_minutes,
        no_shows_pause=settings.duty_no_shows_pause,
        pause_days=settings.duty_pause_days,
    )


def _route_webhook(app: FastAPI, settings: Settings, telegram: TelegramSide) -> str:
    assert settings.webhook_url
    assert settings.bot_token
    secret = webhook_secret(settings.require_secret_key(), settings.bot_token.get_secret_value())
    path = urlsplit(settings.webhook_url).path or "/"
    endpoint = create_webhook_endpoint(
        telegram.dispatcher, telegram.bot, secret, concurrent=settings.bot_concurrent_updates
    )
    app.add_route(path, endpoint, methods=["POST"], include_in_schema=False)
    return secret


async def start_telegram(
    settings: Settings, telegram: TelegramSide, catalogues: Catalogues, secret: str | None
) -> None:
    """Tell Telegram how we receive updates. Each call stands alone: a menu Telegram
    refuses must not leave an old webhook in place, which would block polling. Failure is
    logged with Telegram's reason, not fatal: the panel stays up, polling retries."""
    with _logged_refusal(settings, "setMyCommands"):
        await publish_commands(telegram.bot, catalogues)
    if settings.webhook_url:
        with _logged_refusal(settings, "setWebhook"):
            await telegram.bot.set_webhook(
                settings.webhook_url,
                secret_token=secret,
                allowed_updates=telegram.dispatcher.resolve_used_update_types(),
            )
    else:
        with _logged_refusal(settings, "deleteWebhook"):
            await telegram.bot.delete_webhook(drop_pending_updates=False)


@contextlib.contextmanager
def _logged_refusal(settings: Settings, method: str) -> Iterator[None]:
    try:
        yield
    except TelegramUnauthorizedError:
        log.error(
            "Telegram refused %s with 401 Unauthorized: MORALBANK_BOT_TOKEN is wrong or was "
            "revoked (ask @BotFather for the current token)",
            method,
        )
    except (TelegramNetworkError, OSError, TimeoutError) as exc:
        log.error(
            "%s: could not reach the Telegram Bot API at %s: %s",
            method,
            settings.telegram_api_url,
            exc,
        )
    except TelegramAPIError as exc:
        log.error("Telegram refused %s: %s", method, exc.message)


def create_worker(
    settings: Settings, database: Database, catalogues: Catalogues, bot: Bot | None
) -> Worker:
    """The jobs runner, and the outbox sender when there is a bot to send with."""
    clock = SystemClock()
    sender = None
    if bot is not None:
        sender = OutboxSender(
            database=database,
            clock=clock,
            bot=bot,
            catalogues=catalogues,
            worker_id=worker_id(),
            pace=Pace(per_second=settings.send_rate_per_second),
            quiet_hours=QuietHours.parse(settings.quiet_hours, settings.time_zone),
        )
    return Worker(
        database,
        clock,
        sender=sender,
        chunk=settings.job_chunk_size,
        zone=ZoneInfo(settings.time_zone),
        duty=duty_policy_of(settings),
    )


async def work(settings: Settings) -> None:
    """`moralbank worker`: only the jobs and the sender, until SIGINT or SIGTERM."""
    catalogues = Catalogues.load()
    database = Database.from_url(settings.database_url)
    bot = create_bot(settings) if settings.bot_token else None
    worker = create_worker(settings, database, catalogues, bot)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    announce(settings, f"Moral Bank worker {worker_id()}: jobs{' and sending' if bot else ''}")
    try:
        await worker.run()
    finally:
        if bot is not None:
            await bot.session.close()
        await database.dispose()


async def serve(
    settings: Settings,
    *,
    with_worker: bool = True,
    extend_app: Callable[[FastAPI], None] | None = None,
    on_started: Callable[[str], None] | None = None,
) -> None:
    """`extend_app` may add routes to the panel's app before it is served; `on_started`
    is told the panel's base URL once everything runs (`moralbank try` uses both)."""
    settings.require_secret_key()
    catalogues = Catalogues.load()
    database = Database.from_url(settings.database_url)
    clock = SystemClock()
    app = create_app(
        settings=settings,
        database=database,
        catalogues=catalogues,
        clock=clock,
        login_limiter=_login_limiter(settings),
    )
    if extend_app is not None:
        extend_app(app)
    telegram = _telegram(settings, database, catalogues) if settings.bot_token else None
    secret = _route_webhook(app, settings, telegram) if telegram and settings.webhook_url else None
    server = _Server(server_config(app, settings))
    bot = telegram.bot if telegram else None
    worker = create_worker(settings, database, catalogues, bot) if with_worker else None
    try:
        await _serve_all(settings, server, worker, telegram, catalogues, secret, on_started)
    finally:
        if telegram is not None:
            await telegram.bot.session.close()
        await database.dispose()


async def _serve_all(
    settings: Settings,
    server: uvicorn.Server,
    worker: Worker | None,
    telegram: TelegramSide | None,
    catalogues: Catalogues,
    secret: str | None,
    on_started: Callable[[str], None] | None,
) -> None:
    async with asyncio.TaskGroup() as tasks:
        web = tasks.create_task(server.serve())
        if worker is not None:
            tasks.create_task(worker.run())
        polling = None
        # Telegram may push to the webhook at once, so the server must listen first.
        if await _started(server, web) and telegram is not None:
            await start_telegram(settings, telegram, catalogues, secret)
            if not settings.webhook_url:
                polling = tasks.create_task(poll(telegram.dispatcher, telegram.bot, settings))
        if server.started:
            base_url = _announce(server, settings, telegram)
            if on_started is not None:
                on_started(base_url)
        await web
        if worker is not None:
            worker.stop()
        if polling is not None and telegram is not None:
            await _stop_polling(telegram.dispatcher, polling)


async def _stop_polling(dispatcher: Dispatcher, polling: asyncio.Task[None]) -> None:
    """Let updates in hand finish; a long poll still waiting is cut short. Cancelling it
    loses nothing: updates are confirmed only by the next getUpdates."""
    if polling.done():
        return
    try:
        await asyncio.wait_for(dispatcher.stop_polling(), timeout=STOP_GRACE_SECONDS)
    except (RuntimeError, TimeoutError):  # not started yet, or a long poll still waiting
        polling.cancel()


async def _started(server: uvicorn.Server, web: asyncio.Task[None]) -> bool:
    while not server.started:
        if web.done():
            return False
        await asyncio.sleep(0.05)
    return True


def announce(settings: Settings, text: str) -> None:
    say(text, settings.log_format)


def _announce(server: uvicorn.Server, settings: Settings, telegram: TelegramSide | None) -> str:
    """Says where the panel is and how the bot runs; returns the panel's base URL."""
    port = server.servers[0].sockets[0].getsockname()[1] if server.servers else settings.web_port
    base_url = f"http://{settings.web_host}:{port}"
    announce(settings, f"Moral Bank panel: {base_url}/")
    if telegram is None:
        announce(
            settings,
            "Telegram bot: off — MORALBANK_BOT_TOKEN is not set. "
            "The panel and the worker run without it.",
        )
    elif settings.webhook_url:
        announce(settings, f"Telegram bot: on, by webhook at {settings.webhook_url}")
    else:
        announce(settings, "Telegram bot: on, by long polling")
    return base_url
