"""Random operation sequences keep every invariant, and balances match a simple model."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db import Database
from ledger.errors import BalanceOutOfBounds, HoldNotPending
from ledger.holds import place_hold, post_hold, void_hold
from ledger.service import Leg, available, balance, open_account, post_entry
from tests.ledger.books import problems_in

NOW = datetime(2026, 4, 1, tzinfo=UTC)
WALLETS = 3
_examples = itertools.count()

operations = st.lists(
    st.tuples(
        st.sampled_from(["award", "spend", "hold", "post", "void"]),
        st.integers(0, WALLETS - 1),  # which wallet (or which hold, modulo)
        st.integers(1, 20),  # amount
    ),
    max_size=14,
)


@dataclass
class Model:
    posted: list[int] = field(default_factory=lambda: [0] * WALLETS)
    holds: list[tuple[int, int, int, bool]] = field(
        default_factory=list
    )  # id, wallet, amount, open

    def available(self, wallet: int) -> int:
        held = sum(amount for _, w, amount, open_ in self.holds if w == wallet and open_)
        return self.posted[wallet] - held


async def _run(url: str, steps: list[tuple[str, int, int]]) -> None:
    database = Database.from_url(url)
    prefix = f"ex{next(_examples)}"
    try:
        async with database.write() as session:
            issuance = await open_account(
                session, code=f"{prefix}:iss", unit="u", kind="system", now=NOW
            )
            clearing = await open_account(
                session, code=f"{prefix}:clr", unit="u", kind="system", now=NOW
            )
            wallets = [
                (
                    await open_account(
                        session, code=f"{prefix}:w{n}", unit="u", kind="wallet", floor=0, now=NOW
                    )
                ).id
                for n in range(WALLETS)
            ]
        model = Model()
        for step, (op, which, amount) in enumerate(steps):
            key = f"{prefix}:{step}"
            await _apply(
                database, model, op, which, amount, key, issuance.id, clearing.id, wallets
            )
            async with database.read() as session:
                for n, wallet in enumerate(wallets):
                    assert await balance(session, wallet) == model.posted[n]
                    assert await available(session, wallet) == model.available(n)
        assert await problems_in(database) == []
    finally:
        await database.dispose()


async def _apply(
    database: Database,
    model: Model,
    op: str,
    which: int,
    amount: int,
    key: str,
    issuance: int,
    clearing: int,
    wallets: list[int],
) -> None:
    wallet = wallets[which]
    affordable = model.available(which) >= amount
    index = which % len(model.holds) if model.holds else None
    hold_open = index is not None and model.holds[index][3]
    try:
        async with database.write() as session:
            if op == "award":
                await post_entry(
                    session,
                    idempotency_key=key,
                    kind="award",
                    now=NOW,
                    legs=[Leg(issuance, -amount), Leg(wallet, amount)],
                )
                model.posted[which] += amount
            elif op == "spend":
                await post_entry(
                    session,
                    idempotency_key=key,
                    kind="redeem",
                    now=NOW,
                    legs=[Leg(wallet, -amount), Leg(clearing, amount)],
                )
                assert affordable, "a spend beyond the available balance went through"
                model.posted[which] -= amount
            elif op == "hold":
                hold = await place_hold(
                    session,
                    idempotency_key=key,
                    debit_account_id=wallet,
                    credit_account_id=clearing,
                    amount=amount,
                    now=NOW,
                )
                assert affordable, "a hold beyond the available balance went through"
                model.holds.append((hold.id, which, amount, True))
            elif index is not None:
                hold_id, owner, held, _ = model.holds[index]
                if op == "post":
                    part = min(amount, held)
                    await post_hold(
                        session, hold_id=hold_id, idempotency_key=key, now=NOW, amount=part
                    )
                    model.posted[owner] -= part
                else:
                    await void_hold(session, hold_id=hold_id, now=NOW)
                assert hold_open, "a resolved hold was resolved again"
                model.holds[index] = (hold_id, owner, held, False)
    except BalanceOutOfBounds:
        assert op in ("spend", "hold")
        assert not affordable, "an affordable amount was refused"
    except HoldNotPending:
        assert op in ("post", "void")
        assert not hold_open, "an open hold was said to be resolved"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
def test_random_operations_keep_the_books(
    database_url: str, steps: list[tuple[str, int, int]]
) -> None:
    asyncio.run(_run(database_url, steps))
