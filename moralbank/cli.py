"""The `moralbank` command."""

from __future__ import annotations

import sys

import click

from core.logs import say
from core.settings import DEMO_SECRET_KEY_FILE, generate_secret_key
from moralbank.cli_backup import backup_command, restore_command
from moralbank.cli_bench import bench_group
from moralbank.cli_broadcast import broadcast_group
from moralbank.cli_demo import demo, try_bot
from moralbank.cli_ledger import ledger_group
from moralbank.cli_rankings import rankings_group
from moralbank.cli_rules import rules_group
from moralbank.cli_support import (
    PeopleGroup,
    load_cli_settings,
    reach_database,
    run_async,
    setup_logging,
    shell_translator,
)
from moralbank.cli_tree import admin_group, org_group


@click.group(cls=PeopleGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="moralbank", prog_name="moralbank")
def main() -> None:
    """Moral Bank (道德银行): a neighbourhood points bank.

    Settings come from MORALBANK_* environment variables or a .env file; see README.md.
    """
    setup_logging()


@main.command()
@click.option("--no-migrate", is_flag=True, help="Do not bring the schema up to date first.")
@click.option(
    "--no-worker", is_flag=True, help="Leave jobs and sending to `moralbank worker` processes."
)
def run(no_migrate: bool, no_worker: bool) -> None:
    """Migrate, then serve the web panel, the bot (when a token is set) and the worker."""
    from moralbank import migrations

    settings = load_cli_settings()
    settings.require_secret_key()
    if settings.secret_key is None and settings.secret_key_file is None:
        say(f"secret key: {DEMO_SECRET_KEY_FILE}, made by `moralbank demo`", settings.log_format)
    run_async(reach_database(settings.database_url))
    if not no_migrate:
        migrations.upgrade(settings.database_url)
    # Imported once the checks passed: aiogram takes seconds to import, a mistake should not.
    from moralbank.runtime import serve

    run_async(serve(settings, with_worker=not no_worker))


@main.command()
def worker() -> None:
    """Run scheduled jobs and send the outbox (with a bot token) until stopped.

    Start as many as the load asks for: each job runs and each message goes out once.
    """
    settings = load_cli_settings()
    run_async(reach_database(settings.database_url))
    from moralbank.runtime import work  # after the checks, as in `run`

    run_async(work(settings))


@main.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def migrate(revision: str) -> None:
    """Bring the database schema to the newest (or the given) revision."""
    from moralbank import migrations

    database_url = load_cli_settings().database_url
    run_async(reach_database(database_url))
    migrations.upgrade(database_url, revision)
    click.echo("database schema is up to date")


@main.command()
def doctor() -> None:
    """Check settings, database, migrations, Redis and Telegram; exit 1 on a problem."""
    from moralbank.doctor import diagnose

    t = shell_translator()
    findings = run_async(diagnose(load_cli_settings(), t))
    for finding in findings:
        mark = "ok " if finding.ok and not finding.warning else "!! " if finding.ok else "XX "
        click.echo(f"{mark}{finding.subject}: {finding.detail}")
    problems = [f for f in findings if not f.ok]
    click.echo(
        t("cli.doctor.problems", count=len(problems)) if problems else t("cli.doctor.passed")
    )
    sys.exit(1 if problems else 0)


@main.command()
def secret() -> None:
    """Print a new random secret key for MORALBANK_SECRET_KEY."""
    click.echo(generate_secret_key())


main.add_command(demo)
main.add_command(try_bot)
main.add_command(org_group)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(admin_group)
main.add_command(ledger_group)
main.add_command(bench_group)
main.add_command(broadcast_group)
main.add_command(rules_group)
main.add_command(rankings_group)
