"""`moralbank org …` and `moralbank admin …`: bootstrapping a deployment's tree and staff."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from core.errors import DomainError
from core.uow import UnitOfWork
from moralbank.cli_support import load_cli_settings, run_async, with_uow
from rewards.org.models import OrgLevel
from rewards.org.service import OrgUnitView, add_unit, find_unit
from rewards.staff.models import Role
from rewards.staff.service import StaffView, create_staff

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
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

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


def _run(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    try:
        return run_async(with_uow(load_cli_settings(), work))
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.params or ''}") from exc
