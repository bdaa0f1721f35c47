"""`moralbank backup` and `moralbank restore`; what they say comes from the catalogues
(`cli.backup_*`, `cli.restore_*`) in the shell's language."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from moralbank.cli_support import load_cli_settings, shell_translator


@click.command("backup")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
def backup_command(file: Path | None) -> None:
    """Back up the whole database to FILE (default: var/backups/moralbank-DATE-TIME.db,
    or .dump on PostgreSQL). Safe while the product runs."""
    from moralbank.backup import back_up, default_file

    url = load_cli_settings().database_url
    target = file or default_file(url, datetime.now())
    size = back_up(url, target)
    click.echo(shell_translator()("cli.backup_written", path=str(target), size=f"{size:,}"))


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup FILE, after reading all of it. Stop
    `moralbank run` and the workers first (a database in use is refused); afterwards run
    `moralbank migrate` (a backup from an older release is brought up to date) and
    `moralbank ledger verify`. On SQLite the old database is kept beside it."""
    from moralbank.backup import restore

    t = shell_translator()
    url = load_cli_settings().database_url
    if not yes:
        click.confirm(t("cli.restore_confirm", path=str(file)), abort=True)
    restored = restore(url, file, datetime.now())
    click.echo(t("cli.restore_done", path=str(file), revision=restored.revision))
    if restored.kept is not None:
        click.echo(t("cli.restore_kept", path=str(restored.kept)))
