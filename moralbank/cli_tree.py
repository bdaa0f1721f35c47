"""`moralbank org …` and `moralbank admin …`: bootstrapping a deployment's tree and staff."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from core.uow import UnitOfWork
from moralbank.cli_support import Mistake, load_cli_settings, run_async, shell_translator, with_uow
from rewards.org.models import OrgLevel
from rewards.org.service import OrgUnitView, add_unit, find_unit, units_below
from rewards.staff.models import Role
from rewards.staff.service import StaffView, all_staff, create_staff, set_password, staff_exists

T = TypeVar("T")


@click.group("org")
def org_group() -> None:
    """The organisation tree (city → … → grid → building)."""


@org_group.command("add")
@click.option("--code", required=True, help="Stable handle, e.g. hekou-grid-1.")
@click.option("--name", required=True, help="Name shown to people, e.g. 第一网格.")
@click.option("--level", required=True, type=click.Choice([level.value for level in OrgLevel]))
@click.option("--parent", "parent_code", default=None, help="Code of the unit above.")
def org_add(code: str, name: str, level: str, parent_code: str | None) -> None:
    """Add a unit to the tree (nothing changes if the code exists)."""

    async def work(uow: UnitOfWork) -> OrgUnitView:
        return await add_unit(
            uow, code=code, name=name, level=OrgLevel(level), parent_code=parent_code
        )

    unit = _run(work)
    click.echo(f"unit {unit.code} ({unit.name}) has id {unit.id}")


@org_group.command("list")
def org_list() -> None:
    """The whole tree, one unit a line, indented under the unit above: code, level, name."""
    units = _run(lambda uow: units_below(uow, ["/"]))
    if not units:
        click.echo(shell_translator()("cli.org_empty"))
    for unit in units:
        click.echo(f"{'  ' * _depth(unit)}{unit.code}  {unit.level.value}  {unit.name}")


def _depth(unit: OrgUnitView) -> int:
    return unit.path.count("/") - 2  # "/1/" is a root, "/1/5/" one below it


@click.group("admin")
def admin_group() -> None:
    """Staff accounts of the web panel."""


@admin_group.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Name shown in the panel.")
@click.option("--unit", "unit_code", required=True, help="Code of the unit the role covers.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.SUPERADMIN.value,
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def admin_create(
    username: str, display_name: str, unit_code: str, role: str, password_stdin: bool
) -> None:
    """Create a staff account. The password is asked for, never taken as an argument,
    so it stays out of shell history and process lists."""
    password = _read_password(password_stdin)

    async def work(uow: UnitOfWork) -> StaffView:
        unit = await find_unit(uow, unit_code)
        return await create_staff(
            uow,
            username=username,
            display_name=display_name,
            password=password,
            roles=[(Role(role), unit.id)],
            actor_staff_id=None,
        )

    staff = _run(work)
    click.echo(f"staff account {staff.username} created (id {staff.id})")


@admin_group.command("list")
def admin_list() -> None:
    """Every staff account: username, name, and each role with the unit it covers."""

    async def work(uow: UnitOfWork) -> tuple[list[StaffView], dict[int, str]]:
        units = await units_below(uow, ["/"])
        return await all_staff(uow), {unit.id: unit.code for unit in units}

    accounts, codes = _run(work)
    if not accounts:
        click.echo(shell_translator()("cli.no_staff"))
    for staff in accounts:
        roles = ", ".join(
            f"{role.role.value}@{codes[role.org_unit_id]} ({role.org_unit_name})"
            for role in staff.roles
        )
        click.echo(f"{staff.username}  {staff.display_name}  {roles or '-'}")


@admin_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def admin_passwd(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password (asked twice), lift a lockout and end the account's
    panel sessions."""

    async def known(uow: UnitOfWork) -> bool:
        return await staff_exists(uow, username)

    if not _run(known):  # asked before the password, not after it was typed twice
        raise Mistake("unknown_staff", username=username)
    password = _read_password(password_stdin)
    _run(lambda uow: set_password(uow, username=username, password=password, actor_staff_id=None))
    click.echo(f"password of {username} changed")


def _read_password(from_stdin: bool) -> str:
    """Never an argument, so it stays out of shell history and process lists."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _run(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    return run_async(with_uow(load_cli_settings(), work))
