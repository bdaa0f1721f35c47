"""`moralbank doctor`: check a deployment and say in plain words what is wrong, in the
shell's language (`cli.doctor.*` in the catalogues)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiogram.exceptions import TelegramUnauthorizedError
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bot.factory import create_bot
from core.db import Database
from core.i18n import Translator
from core.settings import Settings, SettingsError
from moralbank.cli_support import DatabaseUnreachable, explain, reach_database
from moralbank.migrations import current_revision, head_revision


@dataclass(frozen=True)
class Finding:
    subject: str
    ok: bool
    detail: str
    # A warning is worth knowing but does not stop the product from running.
    warning: bool = False


Check = Callable[[Settings, Translator], Awaitable[Finding]]


async def check_secret(settings: Settings, t: Translator) -> Finding:
    try:
        settings.require_secret_key()
    except SettingsError as exc:
        return Finding(t("cli.doctor.secret_key"), False, explain(exc, t) or str(exc))
    return Finding(t("cli.doctor.secret_key"), True, t("cli.doctor.secret_ok"))


async def check_database(settings: Settings, t: Translator) -> Finding:
    """Looks without changing anything: a missing SQLite file (or its directory) is
    reported, not created as opening it would."""
    subject = t("cli.doctor.database")
    missing = _missing_sqlite_file(settings)
    if missing is not None:
        return Finding(subject, False, t("cli.doctor.database_missing", path=missing))
    try:
        await reach_database(settings.database_url)
    except DatabaseUnreachable as exc:
        return Finding(subject, False, explain(exc, t) or str(exc))
    database = Database.from_url(settings.database_url)
    try:
        current = await current_revision(database.engine)
    finally:
        await database.dispose()
    head = head_revision(settings.database_url)
    if current != head:
        behind = t("cli.doctor.schema_behind", current=current or "-", head=head or "-")
        return Finding(subject, False, behind)
    return Finding(subject, True, t("cli.doctor.database_ok", url=_safe_url(settings)))


async def check_redis(settings: Settings, t: Translator) -> Finding:
    if not settings.redis_url:
        return Finding("Redis", True, t("cli.doctor.redis_off"), warning=True)
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=3)
    try:
        await redis.ping()
    except Exception as exc:
        unreachable = t("cli.doctor.unreachable", url=settings.redis_url, reason=str(exc))
        return Finding("Redis", False, unreachable)
    finally:
        await redis.aclose()
    return Finding("Redis", True, t("cli.doctor.redis_ok", url=settings.redis_url))


async def check_telegram(settings: Settings, t: Translator) -> Finding:
    if settings.bot_token is None:
        return Finding("Telegram", True, t("cli.doctor.telegram_off"), warning=True)
    bot = create_bot(settings)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        return Finding("Telegram", False, t("cli.doctor.telegram_rejected"))
    except Exception as exc:
        url = settings.telegram_api_url
        return Finding("Telegram", False, t("cli.doctor.unreachable", url=url, reason=str(exc)))
    finally:
        await bot.session.close()
    return Finding("Telegram", True, t("cli.doctor.telegram_ok", username=me.username or ""))


CHECKS: tuple[Check, ...] = (check_secret, check_database, check_redis, check_telegram)


async def diagnose(settings: Settings, t: Translator) -> list[Finding]:
    return [await check(settings, t) for check in CHECKS]


def _missing_sqlite_file(settings: Settings) -> str | None:
    url = make_url(settings.database_url)
    path = url.database
    if url.get_backend_name() != "sqlite" or path in (None, "", ":memory:"):
        return None
    return None if Path(path).is_file() else path


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)
