"""Worked examples of the ledger, and the invariants the database itself enforces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.db import Database
from ledger.errors import (
    BalanceOutOfBounds,
    IdempotencyConflict,
    MixedUnits,
    UnbalancedEntry,
    UnknownAccount,
)
from ledger.models import Entry, Posting
from ledger.service import AccountView, Leg, balance, open_account, post_entry
from tests.conftest import ON_POSTGRES
from tests.ledger.books import assert_books_balance

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


async def _accounts(database: Database) -> tuple[AccountView, AccountView, AccountView]:
    async with database.write() as session:
        issuance = await open_account(
            session, code="issuance:moral", unit="moral", kind="system", now=NOW
        )
        wallet = await open_account(
            session,
            code="wallet:1:moral",
            unit="moral",
            kind="wallet",
            owner_ref="person:1",
            floor=0,
            now=NOW,
        )
        other = await open_account(
            session, code="issuance:volunteer", unit="volunteer", kind="system", now=NOW
        )
    return issuance, wallet, other


async def _award(database: Database, key: str, source: int, wallet: int, amount: int) -> None:
    async with database.write() as session:
        await post_entry(
            session,
            idempotency_key=key,
            kind="award",
            now=NOW,
            legs=[Leg(source, -amount), Leg(wallet, amount)],
        )


async def _balance(database: Database, account_id: int, **kwargs: datetime) -> int:
    async with database.read() as session:
        return await balance(session, account_id, **kwargs)


async def test_award_then_spend_within_the_floor(database: Database) -> None:
    issuance, wallet, _ = await _accounts(database)
    await _award(database, "a1", issuance.id, wallet.id, 5)
    await _award(database, "a2", wallet.id, issuance.id, 3)  # a deduction
    assert await _balance(database, wallet.id) == 2
    assert await _balance(database, issuance.id) == -2
    with pytest.raises(BalanceOutOfBounds) as refused:
        await _award(database, "a3", wallet.id, issuance.id, 3)
    assert refused.value.code == "insufficient_balance"
    assert await _balance(database, wallet.id) == 2


async def test_the_same_key_returns_the_first_entry_and_other_content_is_refused(
    database: Database,
) -> None:
    issuance, wallet, _ = await _accounts(database)
    legs = [Leg(issuance.id, -5), Leg(wallet.id, 5)]
    async with database.write() as session:
        first = await post_entry(session, idempotency_key="k", kind="award", legs=legs, now=NOW)
    async with database.write() as session:
        again = await post_entry(session, idempotency_key="k", kind="award", legs=legs, now=NOW)
    assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
    assert await _balance(database, wallet.id) == 5
    with pytest.raises(IdempotencyConflict):
        async with database.write() as session:
            await post_entry(
                session,
                idempotency_key="k",
                kind="award",
                now=NOW,
                legs=[Leg(issuance.id, -6), Leg(wallet.id, 6)],
            )


@pytest.mark.parametrize(
    ("legs", "error"),
    [
        ([(0, -5)], UnbalancedEntry),
        ([(0, -5), (1, 4)], UnbalancedEntry),
        ([(0, 0), (1, 0)], UnbalancedEntry),
        ([(0, -(2**63)), (1, 2**63)], UnbalancedEntry),
        ([(0, -5), (2, 5)], MixedUnits),
        ([(0, -5), (99, 5)], UnknownAccount),
    ],
)
async def test_malformed_entries_are_refused(
    database: Database, legs: list[tuple[int, int]], error: type[Exception]
) -> None:
    accounts = await _accounts(database)
    ids = {0: accounts[0].id, 1: accounts[1].id, 2: accounts[2].id, 99: 10_000}
    with pytest.raises(error):
        async with database.write() as session:
            await post_entry(
                session,
                idempotency_key="bad",
                kind="award",
                now=NOW,
                legs=[Leg(ids[i], amount) for i, amount in legs],
            )
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Entry)) == 0


async def test_balances_as_of_a_past_moment(database: Database) -> None:
    issuance, wallet, _ = await _accounts(database)
    for day, amount in ((1, 5), (2, 7), (3, 11)):
        async with database.write() as session:
            await post_entry(
                session,
                idempotency_key=f"d{day}",
                kind="award",
                now=NOW,
                effective_at=NOW + timedelta(days=day),
                legs=[Leg(issuance.id, -amount), Leg(wallet.id, amount)],
            )
    assert await _balance(database, wallet.id, as_of=NOW) == 0
    assert await _balance(database, wallet.id, as_of=NOW + timedelta(days=2)) == 12
    assert await _balance(database, wallet.id) == 23


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET amount = amount * 2",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_entries SET memo = 'changed'",
        "DELETE FROM ledger_entries",
    ],
)
async def test_the_database_refuses_to_change_history(database: Database, statement: str) -> None:
    issuance, wallet, _ = await _accounts(database)
    await _award(database, "a1", issuance.id, wallet.id, 5)
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.write() as session:
            await session.execute(text(statement))
    assert await _balance(database, wallet.id) == 5


def _raw_entry(*, legs: int) -> Entry:
    """Entry 1, as a row written around the service."""
    return Entry(
        id=1,
        idempotency_key="raw",
        fingerprint="x",
        kind="award",
        created_at=NOW,
        effective_at=NOW,
        meta={},
        legs=legs,
    )


async def _write_raw_entry(database: Database, legs: list[tuple[int, int]]) -> None:
    """Write entry 1 and its postings as plain rows, around the service (postings first,
    which SQLite needs and PostgreSQL's deferred check allows)."""
    async with database.write() as session:
        session.add_all(
            [Posting(entry_id=1, account_id=account, amount=amount) for account, amount in legs]
        )
        await session.flush()
        session.add(_raw_entry(legs=len(legs)))


async def test_the_database_refuses_an_unbalanced_entry_written_around_the_service(
    database: Database,
) -> None:
    issuance, wallet, _ = await _accounts(database)
    with pytest.raises(DBAPIError, match="does not balance"):
        await _write_raw_entry(database, [(wallet.id, 5), (issuance.id, -4)])
    assert await _balance(database, wallet.id) == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's deferred balance check")
async def test_postgres_checks_an_entry_as_its_postings_arrive_not_only_at_commit(
    database: Database,
) -> None:
    """The pending checks run before the postings' trigger locks any wallet, so no batch
    holds wallet locks through them at commit (see the migration that does this)."""
    issuance, wallet, _ = await _accounts(database)
    refused_at = None
    with pytest.raises(DBAPIError, match="does not balance"):
        async with database.write() as session:
            session.add(_raw_entry(legs=2))
            await session.flush()
            session.add_all(
                [
                    Posting(entry_id=1, account_id=wallet.id, amount=5),
                    Posting(entry_id=1, account_id=issuance.id, amount=-4),
                ]
            )
            refused_at = "postings"
            await session.flush()
            refused_at = "commit"
    assert refused_at == "postings"
    assert await _balance(database, wallet.id) == 0


async def test_the_database_refuses_a_posting_to_an_account_that_does_not_exist(
    database: Database,
) -> None:
    """Postings have no foreign key to their account; the balance check stands in for it."""
    issuance, wallet, _ = await _accounts(database)
    with pytest.raises(DBAPIError, match="does not balance"):
        await _write_raw_entry(database, [(wallet.id + 1000, 5), (issuance.id, -5)])
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Posting)) == 0


async def test_postings_cannot_be_added_after_the_entry_or_without_one(
    database: Database,
) -> None:
    issuance, wallet, _ = await _accounts(database)
    await _award(database, "a1", issuance.id, wallet.id, 5)
    async with database.read() as session:
        entry_id = await session.scalar(select(Entry.id))
    with pytest.raises(DBAPIError, match="sealed"):
        async with database.write() as session:
            session.add(Posting(entry_id=entry_id, account_id=wallet.id, amount=100))
            await session.flush()
    with pytest.raises(IntegrityError):
        async with database.write() as session:  # orphans fail at commit (deferred key)
            session.add(Posting(entry_id=999, account_id=wallet.id, amount=100))
    assert await _balance(database, wallet.id) == 5


async def test_the_database_refuses_an_overdraft_written_around_the_service(
    database: Database,
) -> None:
    issuance, wallet, _ = await _accounts(database)
    await _award(database, "a1", issuance.id, wallet.id, 5)
    with pytest.raises(DBAPIError, match="out of bounds"):
        async with database.write() as session:
            session.add_all(
                [
                    Posting(entry_id=2, account_id=wallet.id, amount=-6),
                    Posting(entry_id=2, account_id=issuance.id, amount=6),
                ]
            )
            await session.flush()
    assert await _balance(database, wallet.id) == 5


async def test_accounts_are_never_deleted(database: Database) -> None:
    await _accounts(database)
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.write() as session:
            await session.execute(text("DELETE FROM ledger_accounts"))


async def test_a_wallet_opened_below_its_floor_still_receives_points(database: Database) -> None:
    """Only a change that makes things worse is refused: a household wallet whose floor is
    its base of 100 fills up from zero, and cannot be spent below 100 afterwards."""
    issuance, _, _ = await _accounts(database)
    async with database.write() as session:
        household = await open_account(
            session, code="household:1", unit="moral", kind="wallet", floor=100, now=NOW
        )
    await _award(database, "base-half", issuance.id, household.id, 60)
    await _award(database, "base-rest", issuance.id, household.id, 50)
    assert await _balance(database, household.id) == 110
    with pytest.raises(BalanceOutOfBounds):
        await _award(database, "spend", household.id, issuance.id, 11)
    await _award(database, "spend-ok", household.id, issuance.id, 10)
    assert await _balance(database, household.id) == 100
    await assert_books_balance(database)  # filling up below the floor broke nothing
