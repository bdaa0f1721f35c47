"""`moralbank backup` and `moralbank restore`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from moralbank.cli_support import load_cli_settings


@click.command("backup")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
def backup_command(file: Path | None) -> None:
    """Back up the whole database to FILE (default: var/backups/moralbank-DATE-TIME.db,
    or .dump on PostgreSQL). Safe while the product runs."""
    from moralbank.backup import BackupError, back_up, default_file

    url = load_cli_settings().database_url
    target = file or default_file(url, datetime.now())
    try:
        size = back_up(url, target)
    except BackupError as error:
        click.echo(f"backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup written to {target} ({size:,} bytes, readable by its owner only)")


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup FILE. Stop `moralbank run` and the
    workers first; afterwards run `moralbank migrate` (a backup from an older release is
    brought up to date) and `moralbank ledger verify`."""
    from moralbank.backup import BackupError, restore

    url = load_cli_settings().database_url
    if not yes:
        click.confirm(f"Replace everything in the database with {file}?", abort=True)
    try:
        restore(url, file)
    except BackupError as error:
        click.echo(f"restore refused: {error}; the database is as it was", err=True)
        sys.exit(1)
    click.echo(
        f"restored from {file}; now run `moralbank migrate`, then `moralbank ledger verify`"
    )
