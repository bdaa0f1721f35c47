"""`verify` finds nothing in sound books and names the damage in broken ones."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from core.db import Database
from ledger.holds import place_hold, post_hold
from tests.ledger.books import (
    append_only_switched_off,
    assert_books_balance,
    funded_wallet,
    problems_in,
)
from tests.processes import MORALBANK, ROOT, moralbank_env

NOW = datetime(2026, 4, 1, tzinfo=UTC)


async def _books(database: Database) -> None:
    _, clearing_id, wallet_id = await funded_wallet(database, 10)
    async with database.write() as session:
        hold = await place_hold(
            session,
            idempotency_key="h",
            debit_account_id=wallet_id,
            credit_account_id=clearing_id,
            amount=4,
            now=NOW,
        )
        await post_hold(session, hold_id=hold.id, idempotency_key="cap", now=NOW, amount=3)


def _verify_command(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MORALBANK, "ledger", "verify"],
        cwd=ROOT,
        env=moralbank_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_sound_books_pass(database: Database, database_url: str) -> None:
    await _books(database)
    await assert_books_balance(database)
    result = _verify_command(database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "checked 3 accounts, 2 entries, 1 holds and the points earned per month: 0 problem(s)"
        in (result.stdout)
    )


# The capture's credit (into clearing) or debit (out of the wallet, whose balance the
# account row keeps), changed by a bad manual fix.
CAPTURE_LEG = (
    "UPDATE ledger_postings SET amount = amount - 1 "
    "WHERE entry_id = (SELECT max(id) FROM ledger_entries) AND amount {} 0"
)


@pytest.mark.parametrize(
    ("leg", "named"),
    [
        (">", "hold posted for another amount or account"),
        ("<", "kept balance differs from the postings and holds"),
    ],
)
async def test_a_changed_posting_is_named(
    database: Database, database_url: str, leg: str, named: str
) -> None:
    await _books(database)
    async with append_only_switched_off(database):
        async with database.write() as session:
            await session.execute(text(CAPTURE_LEG.format(leg)))
        checks = {problem.check for problem in await problems_in(database)}
    assert checks == {"entry does not balance", "a unit does not sum to zero", named}
    result = _verify_command(database_url)
    assert result.returncode == 1
    assert "PROBLEM entry does not balance" in result.stdout
