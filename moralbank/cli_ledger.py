"""`moralbank ledger …`: checking the books."""

from __future__ import annotations

import sys

import click

from core.uow import UnitOfWork
from ledger.verify import Problem, totals, verify
from moralbank.cli_support import load_cli_settings, run_async, with_uow


@click.group("ledger")
def ledger_group() -> None:
    """The points ledger."""


@ledger_group.command("verify")
def ledger_verify() -> None:
    """Recompute every balance from the postings and check every invariant; exit 1 and
    name each problem when something does not add up."""

    async def work(uow: UnitOfWork) -> tuple[list[Problem], tuple[int, int, int]]:
        async with uow.read() as session:
            return await verify(session), await totals(session)

    problems, (accounts, entries, holds) = run_async(with_uow(load_cli_settings(), work))
    for problem in problems:
        click.echo(f"PROBLEM {problem.check}: {problem.detail}")
    click.echo(
        f"checked {accounts} accounts, {entries} entries, {holds} holds: "
        f"{len(problems)} problem(s)"
    )
    sys.exit(1 if problems else 0)
