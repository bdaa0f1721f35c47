"""`moralbank rankings draft`: a ranking board drafted from the ledger, as the panel and
the period-end job do it, on the authority of a staff account (--as) whose role publishes
rankings where the board is."""

from __future__ import annotations

from typing import Literal, cast
from zoneinfo import ZoneInfo

import click

from core.uow import UnitOfWork
from moralbank.cli_support import load_cli_settings, run_async, staff_named, with_uow
from rewards.org.service import find_unit
from rewards.rankings.boards import draft_board


@click.group("rankings")
def rankings_group() -> None:
    """Draft ranking boards from the ledger."""


@rankings_group.command("draft")
@click.option("--period", required=True, help="2026Q3 (a quarter), 2026-07 or 2026.")
@click.option(
    "--scope", type=click.Choice(["resident", "household"]), default="resident", show_default=True
)
@click.option("--unit", required=True, help="Code of the unit the board ranks (a community).")
@click.option("--as", "username", required=True, help="Staff account that drafts it.")
def draft_command(period: str, scope: str, unit: str, username: str) -> None:
    """Compute the board (again, while it is a draft) and print its top and checksum."""
    settings = load_cli_settings()

    async def work(uow: UnitOfWork) -> str:
        board = await draft_board(
            uow,
            staff=await staff_named(uow, username),
            unit_id=(await find_unit(uow, unit)).id,
            period=period,
            scope=cast(Literal["resident", "household"], scope),
            zone=ZoneInfo(settings.time_zone),
        )
        return (
            f"board {board.id}: {period} {scope} at {unit}, {board.entries} ranked, "
            f"{board.status}, checksum {board.checksum}"
        )

    click.echo(run_async(with_uow(settings, work)))
