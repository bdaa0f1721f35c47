"""`moralbank rankings draft|publish`: a ranking board drafted from the ledger, or a
final one published to its chats with its picture, as the panel and the period-end job
do it, on the authority of a staff account (--as) whose role publishes rankings where
the board is."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

import click

from admin.ranking_prints import board_picture
from core.i18n import DEFAULT_LOCALE, Catalogues
from core.uow import UnitOfWork
from moralbank.cli_support import load_cli_settings, run_async, staff_named, with_uow
from rewards.org.service import find_unit
from rewards.rankings.boards import draft_board
from rewards.rankings.pages import board_page, find_board
from rewards.rankings.publishing import publish
from rewards.rankings.standings import SCOPES, Scope


@click.group("rankings")
def rankings_group() -> None:
    """Draft and publish ranking boards."""


Command = TypeVar("Command", bound=Callable[..., None])


def board_options(command: Command) -> Command:
    for option in reversed(
        [
            click.option("--period", required=True, help="2026Q3 (a quarter), 2026-07 or 2026."),
            click.option(
                "--scope", type=click.Choice(SCOPES), default="resident", show_default=True
            ),
            click.option("--unit", required=True, help="Code of the unit the board ranks."),
            click.option("--as", "username", required=True, help="Staff account that acts."),
        ]
    ):
        command = option(command)
    return command


@rankings_group.command("draft")
@board_options
def draft_command(period: str, scope: str, unit: str, username: str) -> None:
    """Compute the board (again, while it is a draft) and print its size and checksum."""
    settings = load_cli_settings()

    async def work(uow: UnitOfWork) -> str:
        board = await draft_board(
            uow,
            staff=await staff_named(uow, username),
            unit_id=(await find_unit(uow, unit)).id,
            period=period,
            scope=cast(Scope, scope),
            zone=ZoneInfo(settings.time_zone),
        )
        return (
            f"board {board.id}: {period} {scope} at {unit}, {board.entries} ranked, "
            f"{board.status}, checksum {board.checksum}"
        )

    click.echo(run_async(with_uow(settings, work)))


@rankings_group.command("publish")
@board_options
def publish_command(period: str, scope: str, unit: str, username: str) -> None:
    """Publish a final board to the chats bound to its part of the tree (/rankgroup):
    the picture of its top and the champion's name, sent by the worker."""
    settings = load_cli_settings()
    t = Catalogues.load().translator(DEFAULT_LOCALE)  # the community's language

    async def work(uow: UnitOfWork) -> str:
        staff = await staff_named(uow, username)
        unit_id = (await find_unit(uow, unit)).id
        board_id = await find_board(uow, staff=staff, unit_id=unit_id, period=period, scope=scope)
        picture = board_picture(t, await board_page(uow, staff=staff, board_id=board_id))
        done = await publish(uow, staff=staff, board_id=board_id, picture=picture)
        return f"board {board_id}: {period} {scope} at {unit} published to {done.chats} chats"

    click.echo(run_async(with_uow(settings, work)))
