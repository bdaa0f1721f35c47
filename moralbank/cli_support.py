"""What every CLI command needs: settings with readable errors, and a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from pydantic import ValidationError

from core.clock import SystemClock
from core.db import Database
from core.settings import Settings, load_settings
from core.uow import UnitOfWork

VAR = Path("var")
T = TypeVar("T")


def load_cli_settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings:\n{exc}") from exc


async def with_uow(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    database = Database.from_url(settings.database_url)
    try:
        return await work(UnitOfWork(database, SystemClock()))
    finally:
        await database.dispose()
