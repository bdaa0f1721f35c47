"""`moralbank demo` loads the demo community; `moralbank try` loads it too and serves the
product with its own stand-in for Telegram and the try page, so the bot can be tried in a
browser without a token."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click

from core.settings import DEMO_SECRET_KEY_FILE, Settings
from moralbank.cli_support import (
    VAR,
    Mistake,
    load_cli_settings,
    reach_database,
    run_async,
    shell_locale,
    with_uow,
)

LOGINS_FILE = VAR / "demo-logins.txt"


@click.command()
@click.option(
    "--logins-file",
    type=click.Path(path_type=Path),
    default=LOGINS_FILE,
    show_default=True,
    help="Where the demo accounts' passwords are kept.",
)
@click.option(
    "--secret-file",
    type=click.Path(path_type=Path),
    default=DEMO_SECRET_KEY_FILE,
    show_default=True,
    help="Where the generated secret key is kept.",
)
def demo(logins_file: Path, secret_file: Path) -> None:
    """Load the demo community (safe to run again) and make a secret key for it."""
    settings = load_cli_settings()
    load(settings, logins_file, secret_file)
    use = (
        "`moralbank run` in this directory uses it"
        if secret_file == DEMO_SECRET_KEY_FILE
        else f"use MORALBANK_SECRET_KEY_FILE={secret_file}"
    )
    click.echo(f"secret key kept in {secret_file}: {use}")


@click.command(name="try")
def try_bot() -> None:
    """Try the bot in a browser, without Telegram: the demo community is loaded and served
    as `moralbank run` serves it, with a stand-in for Telegram in the same process and a
    chat page at /try. Refused when MORALBANK_BOT_TOKEN is set."""
    settings = load_cli_settings()
    if settings.bot_token is not None:
        raise Mistake("try_with_token")
    load(settings, LOGINS_FILE, DEMO_SECRET_KEY_FILE)
    settings.require_secret_key()
    # Imported once the checks passed: aiogram takes seconds to import, a mistake should not.
    from moralbank.tryout.command import serve_try

    run_async(serve_try(settings, logins_file=LOGINS_FILE))


def load(settings: Settings, logins_file: Path, secret_file: Path) -> None:
    """Migrate, load the demo (what is missing) and say which accounts there are and what
    each may do; their passwords stay in the logins file."""
    from core.files import LocalFileStorage
    from core.settings import ensure_secret_key_file
    from moralbank import migrations
    from moralbank.demo import STAFF, load_demo

    run_async(reach_database(settings.database_url))
    migrations.upgrade(settings.database_url)
    ensure_secret_key_file(secret_file)
    zone = ZoneInfo(settings.time_zone)
    files = LocalFileStorage(settings.files_dir)
    logins = run_async(
        with_uow(
            settings,
            lambda uow: load_demo(
                uow, logins_file, zone, settings.adjustment_approval_above, files
            ),
        )
    )
    click.echo(f"demo community loaded; {len(logins)} staff logins are in {logins_file}:")
    locale = shell_locale()
    for staff in STAFF:
        click.echo(f"  {staff.username:<8} {staff.display_name}: {staff.describe(locale)}")
