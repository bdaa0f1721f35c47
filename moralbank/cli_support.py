"""What every CLI command needs: settings, a unit of work, an event loop, and mistakes
told in one line.

Every command runs inside `PeopleGroup.invoke`, the one place where the errors a person
can fix (settings, the database URL, a database that is not there, a domain error) become
one sentence from the catalogues (`cli.*`, `error.*` in common.po) in the language of the
shell (LC_ALL, LC_MESSAGES, LANG) and exit status 1. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.clock import SystemClock
from core.db import Database
from core.errors import DomainError
from core.i18n import DEFAULT_LOCALE, Catalogues, Translator
from core.logs import configure_logging
from core.settings import Settings, SettingsError, load_settings
from core.uow import UnitOfWork
from rewards.staff.service import StaffView, staff_by_username

VAR = Path("var")
T = TypeVar("T")
# PostgreSQL's SQLSTATE for "database does not exist".
INVALID_CATALOG_NAME = "3D000"


class Mistake(Exception):
    """Something the operator can put right; `key` and `params` name the sentence
    `cli.<key>` in the catalogues."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


class DatabaseUnreachable(Mistake):
    """The database cannot be opened."""


def load_cli_settings() -> Settings:
    """Settings from the environment; mistakes reach `PeopleGroup` as ValidationError."""
    return load_settings()


def setup_logging() -> None:
    """How every `moralbank` command logs: MORALBANK_LOG_LEVEL and MORALBANK_LOG_FORMAT
    (core.logs.configure_logging). Settings that do not load leave the defaults (INFO,
    text): the command that reads them then tells what is wrong, in one line."""
    try:
        settings = load_settings()
    except (ValidationError, SettingsError):
        configure_logging()
        return
    configure_logging(settings.log_level, settings.log_format)


async def reach_database(url: str) -> None:
    """Connect once and ask for nothing: raises DatabaseUnreachable with the reason, so
    a missing database or server is one sentence instead of a trace from deep inside."""
    shown = make_url(url).render_as_string()
    try:
        database = Database.from_url(url)
    except OSError as exc:  # the SQLite file's directory cannot be made
        raise DatabaseUnreachable("database_unreachable", url=shown, reason=_reason(exc)) from exc
    try:
        async with database.read() as session:
            await session.execute(text("SELECT 1"))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == INVALID_CATALOG_NAME:
            name = str(make_url(url).database)
            raise DatabaseUnreachable("database_missing", name=name, url=shown) from exc
        reason = str(exc.orig).strip() or type(exc.orig).__name__
        raise DatabaseUnreachable("database_unreachable", url=shown, reason=reason) from exc
    except OSError as exc:  # refused, unknown host
        raise DatabaseUnreachable("database_unreachable", url=shown, reason=_reason(exc)) from exc
    finally:
        await database.dispose()


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


async def with_uow(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    await reach_database(settings.database_url)
    database = Database.from_url(settings.database_url)
    try:
        return await work(UnitOfWork(database, SystemClock()))
    finally:
        await database.dispose()


def shell_locale(environ: dict[str, str] | None = None) -> str:
    """The operator's language from the shell, as POSIX ranks it (LC_ALL, LC_MESSAGES,
    LANG); Chinese when none names English or Chinese (C, POSIX, unset)."""
    environ = dict(os.environ) if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip().lower()
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return DEFAULT_LOCALE
    return DEFAULT_LOCALE


def shell_translator() -> Translator:
    return Catalogues.load().translator(shell_locale())


def explain(error: Exception, t: Translator) -> str | None:
    """One sentence that says what is wrong and how to fix it, or None for a bug."""
    if isinstance(error, DomainError):
        return t(f"error.{error.code}", **error.params)
    if isinstance(error, SettingsError | Mistake):
        return t(f"cli.{error.key}", **error.params)
    if isinstance(error, ValidationError):
        return "\n".join(_explain_setting(problem, t) for problem in error.errors())
    return None


def _explain_setting(problem: Any, t: Translator) -> str:
    """A wrong setting: our own sentence for the checks we wrote (the database URL), else
    pydantic's description of the problem, named by its environment variable."""
    key = f"cli.{problem['type']}"
    if key in t.messages:
        return t(key, **problem.get("ctx", {}))
    field = ".".join(str(part) for part in problem["loc"])
    return t("cli.setting_invalid", name=f"MORALBANK_{field.upper()}", problem=problem["msg"])


class PeopleGroup(click.Group):
    """The root command: every subcommand runs inside `invoke`, so this is where the
    mistakes `explain` knows are caught, told and turned into exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (DomainError, SettingsError, Mistake, ValidationError) as exc:
            line = explain(exc, shell_translator())
            if line is None:  # pragma: no cover - explain knows every type caught here
                raise
            raise click.ClickException(line) from exc


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on uvloop where it is installed (not on Windows), else on
    asyncio's own loop. uvloop's sockets and scheduling are written in C: in the ledger
    benchmark a single transfer took about 7% less CPU on the whole machine."""
    with asyncio.Runner(loop_factory=_uvloop_factory()) as runner:
        return runner.run(main)


def _uvloop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def staff_named(uow: UnitOfWork, username: str) -> StaffView:
    """The staff account a command acts as (--as): its reach decides, the audit names it."""
    staff = await staff_by_username(uow, username)
    if staff is None:
        raise Mistake("unknown_staff", username=username)
    return staff
