"""`moralbank doctor`: check a deployment and say in plain words what is wrong."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.exceptions import TelegramUnauthorizedError
from redis.asyncio import Redis
from sqlalchemy import text

from bot.factory import create_bot
from core.db import Database
from core.settings import Settings, SettingsError
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
        return Finding("secret key", False, str(exc))
    return Finding("secret key", True, "set, and not an example value")


async def check_database(settings: Settings) -> Finding:
    database = Database.from_url(settings.database_url)
    try:
        async with database.read() as session:
            await session.execute(text("SELECT 1"))
        current = await current_revision(database.engine)
    except Exception as exc:
        return Finding("database", False, f"cannot connect to {_safe_url(settings)}: {exc}")
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


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)
