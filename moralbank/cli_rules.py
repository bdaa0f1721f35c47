"""`moralbank rules export|import`: a community's rule book as YAML, to start a new
community from a neighbour's. Both act on the authority of a staff account (--as), whose
reach decides what is exported and where rules may be imported, and whom the audit log
names."""

from __future__ import annotations

from pathlib import Path

import click

from core.uow import UnitOfWork
from moralbank.cli_support import load_cli_settings, run_async, staff_named, with_uow
from rewards.points.exchange import export_rules, import_rules


@click.group("rules")
def rules_group() -> None:
    """Export and import points rules as YAML."""


@rules_group.command("export")
@click.option("--as", "username", required=True, help="Staff account whose rules to export.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def export_command(username: str, output: Path | None) -> None:
    """Point types, categories and the rules the account can see, as YAML."""

    async def work(uow: UnitOfWork) -> str:
        return await export_rules(uow, staff=await staff_named(uow, username))

    text = run_async(with_uow(load_cli_settings(), work))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"rules written to {output}")


@rules_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", required=True, help="Code of the unit the rules will apply at.")
@click.option("--as", "username", required=True, help="Staff account that brings them in.")
@click.option("--reason", default="imported", show_default=True, help="Kept in the audit log.")
def import_command(file: Path, unit: str, username: str, reason: str) -> None:
    """Add the file's point types and categories that are missing and save each rule as
    a version at UNIT (checked in full first: one mistake and nothing is saved)."""
    text = file.read_text(encoding="utf-8")
    settings = load_cli_settings()

    async def work(uow: UnitOfWork) -> str:
        staff = await staff_named(uow, username)
        done = await import_rules(
            uow,
            staff=staff,
            text=text,
            unit=unit,
            reason=reason,
            approval_above=settings.adjustment_approval_above,
        )
        return (
            f"imported {done.rules} rules, {done.point_types} new point types, "
            f"{done.categories} new categories"
        )

    click.echo(run_async(with_uow(settings, work)))
