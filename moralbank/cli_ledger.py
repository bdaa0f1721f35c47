"""`moralbank ledger …`: checking the books."""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo

import click

from core.uow import UnitOfWork
from ledger.verify import Problem, totals, verify
from moralbank.cli_support import load_cli_settings, run_async, with_uow
from rewards.points.earnings import EarningMismatch, check_earned


@click.group("ledger")
def ledger_group() -> None:
    """The points ledger."""


@ledger_group.command("verify")
def ledger_verify() -> None:
    """Recompute every balance from the postings and check every invariant, and the
    points earned per person and month that rankings read against the postings; exit 1
    and name each problem when something does not add up."""
    settings = load_cli_settings()

    async def work(
        uow: UnitOfWork,
    ) -> tuple[list[Problem], tuple[int, int, int], list[EarningMismatch]]:
        async with uow.read() as session:
            earned = await check_earned(session, ZoneInfo(settings.time_zone))
            return await verify(session), await totals(session), earned

    problems, (accounts, entries, holds), earned = run_async(with_uow(settings, work))
    for problem in problems:
        click.echo(f"PROBLEM {problem.check}: {problem.detail}")
    for wrong in earned:
        click.echo(
            f"PROBLEM earned_points: person {wrong.person_id} {wrong.unit} {wrong.month}: "
            f"kept {wrong.kept}, postings say {wrong.from_postings}"
        )
    click.echo(
        f"checked {accounts} accounts, {entries} entries, {holds} holds and the points "
        f"earned per month: {len(problems) + len(earned)} problem(s)"
    )
    sys.exit(1 if problems or earned else 0)
