"""An account's statement and its flows over a period; opening one account from many
transactions at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from core.db import Database
from ledger.history import flows, statement
from ledger.models import Account
from ledger.service import Leg, open_account, post_entry
from tests.ledger.books import NOW, funded_wallet


async def test_a_statement_is_newest_first_and_pages(database: Database) -> None:
    _, clearing, wallet = await funded_wallet(database, 10)
    async with database.write() as session:
        for n in range(1, 4):
            await post_entry(
                session,
                idempotency_key=f"spend-{n}",
                kind="redeem",
                now=NOW + timedelta(days=n),
                legs=[Leg(wallet, -n), Leg(clearing, n)],
                meta={"n": n},
            )
    async with database.read() as session:
        first = await statement(session, [wallet], limit=2)
        rest = await statement(session, [wallet], limit=2, offset=2)
        past_the_end = await statement(session, [wallet], limit=2, offset=4)
        both = (await statement(session, [wallet, clearing], limit=10)).lines
    assert (first.total, rest.total, past_the_end.total) == (4, 4, 4)
    assert past_the_end.lines == []
    assert [(line.kind, line.amount, line.meta) for line in first.lines] == [
        ("redeem", -3, {"n": 3}),
        ("redeem", -2, {"n": 2}),
    ]
    assert [(line.kind, line.amount) for line in rest.lines] == [("redeem", -1), ("award", 10)]
    # Several accounts read as one statement; each line says whose it is.
    assert {(line.account_id, line.amount) for line in both[:2]} == {(wallet, -3), (clearing, 3)}
    assert len(both) == 7


async def test_an_entry_recorded_late_takes_its_days_place(database: Database) -> None:
    issuance, _, wallet = await funded_wallet(database, 10)  # on NOW
    async with database.write() as session:
        for key, day in (("later", 5), ("forgotten", 2)):  # the second one recorded last
            await post_entry(
                session,
                idempotency_key=key,
                kind="award",
                now=NOW + timedelta(days=9),
                effective_at=NOW + timedelta(days=day),
                legs=[Leg(issuance, -1), Leg(wallet, 1)],
                meta={"key": key},
            )
    async with database.read() as session:
        lines = (await statement(session, [wallet], limit=10)).lines
    assert [line.meta.get("key") for line in lines] == ["later", "forgotten", None]


async def test_flows_count_credits_and_debits_in_a_period_by_kind(database: Database) -> None:
    issuance, clearing, wallet = await funded_wallet(database, 10)  # an award at NOW
    async with database.write() as session:
        later = NOW + timedelta(days=30)
        for key, kind, legs in (
            ("fine", "deduction", [Leg(wallet, -4), Leg(issuance, 4)]),
            ("shop", "redeem", [Leg(wallet, -1), Leg(clearing, 1)]),
            ("bonus", "award", [Leg(issuance, -7), Leg(wallet, 7)]),
        ):
            await post_entry(session, idempotency_key=key, kind=kind, now=later, legs=legs)
    async with database.read() as session:
        assert await flows(session, [wallet], since=NOW) == {wallet: (17, 5)}
        assert await flows(session, [wallet], since=NOW + timedelta(days=1)) == {wallet: (7, 5)}
        first_day = await flows(session, [wallet, clearing], since=NOW, until=NOW + timedelta(1))
        assert first_day == {wallet: (10, 0), clearing: (0, 0)}
        earning = await flows(
            session, [wallet], since=NOW + timedelta(days=1), kinds=("award", "deduction")
        )
        assert earning == {wallet: (7, 4)}


async def test_one_account_opened_by_many_transactions_at_once_is_one_account(
    database: Database,
) -> None:
    async def open_it() -> int:
        async with database.write() as session:
            account = await open_account(
                session, code="person:7:moral", unit="moral", kind="wallet", floor=0, now=NOW
            )
        return account.id

    ids = await asyncio.gather(*(open_it() for _ in range(8)))
    assert len(set(ids)) == 1
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 1
