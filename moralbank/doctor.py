"""`moralbank doctor`: check a deployment and say in plain words what is wrong."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiogram.exceptions import TelegramUnauthorizedError
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bot.factory import create_bot
from core.db import Database
from core.settings import Settings, SettingsError
from moralbank.cli_support import DatabaseUnreachable, explain, reach_database, shell_translator
from moralbank.migrations import current_revision, head_revision


@dataclass(frozen=True)
class Finding:
    subject: str
    ok: bool
    detail: str
    # A warning is worth knowing but does not stop the product from running.
    warning: bool = False


Check = Callable[[Settings], Awaitable[Finding]]


async def check_secret(settings: Settings) -> Finding:
    try:
        settings.require_secret_key()
    except SettingsError as exc:
        return Finding("secret key", False, explain(exc, shell_translator()) or str(exc))
    return Finding("secret key", True, "set, and not an example value")


async def check_database(settings: Settings) -> Finding:
    """Looks without changing anything: a missing SQLite file (or its directory) is
    reported, not created as opening it would."""
    missing = _missing_sqlite_file(settings)
    if missing is not None:
        return Finding("database", False, f"no database at {missing}: run `moralbank migrate`")
    try:
        await reach_database(settings.database_url)
    except DatabaseUnreachable as exc:
        return Finding("database", False, explain(exc, shell_translator()) or str(exc))
    database = Database.from_url(settings.database_url)
    try:
        current = await current_revision(database.engine)
    finally:
        await database.dispose()
    head = head_revision(settings.database_url)
    if current != head:
        return Finding(
            "database",
            False,
            f"schema is at {current or 'nothing'}, the code needs {head}: run `moralbank migrate`",
        )
    return Finding("database", True, f"{_safe_url(settings)} reachable, schema up to date")


async def check_redis(settings: Settings) -> Finding:
    if not settings.redis_url:
        return Finding(
            "redis", True, "not configured: conversation state stays in memory", warning=True
        )
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=3)
    try:
        await redis.ping()
    except Exception as exc:
        return Finding("redis", False, f"cannot reach {settings.redis_url}: {exc}")
    finally:
        await redis.aclose()
    return Finding("redis", True, f"{settings.redis_url} answers")


async def check_telegram(settings: Settings) -> Finding:
    if settings.bot_token is None:
        return Finding(
            "telegram", True, "MORALBANK_BOT_TOKEN not set: the bot stays off", warning=True
        )
    bot = create_bot(settings)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        return Finding("telegram", False, "the Bot API rejects MORALBANK_BOT_TOKEN")
    except Exception as exc:
        return Finding("telegram", False, f"cannot reach {settings.telegram_api_url}: {exc}")
    finally:
        await bot.session.close()
    return Finding("telegram", True, f"token works: @{me.username}")


CHECKS: tuple[Check, ...] = (check_secret, check_database, check_redis, check_telegram)


async def diagnose(settings: Settings) -> list[Finding]:
    return [await check(settings) for check in CHECKS]


def _missing_sqlite_file(settings: Settings) -> str | None:
    url = make_url(settings.database_url)
    path = url.database
    if url.get_backend_name() != "sqlite" or path in (None, "", ":memory:"):
        return None
    return None if Path(path).is_file() else path


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)
