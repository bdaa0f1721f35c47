"""Running Alembic from the product itself (`moralbank migrate`, `run`, tests).

The migrations ship inside the installed package (the `migrations` package, with its
versions and template as package data), so the configuration is built here and needs no
`alembic.ini`: an installed wheel has none. The repository's alembic.ini points at the
same directory for developers' `alembic revision --autogenerate`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations as migrations_package

SCRIPT_LOCATION = Path(migrations_package.__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`. Synchronous: Alembic runs its own event loop."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of this release's migrations (a backup from a later
    release has one it does not know)."""
    scripts = ScriptDirectory.from_config(alembic_config(""))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
