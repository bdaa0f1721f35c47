"""Two kiosks, one code; two taps, one checkout: on PostgreSQL these really run at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Entry
from ledger.verify import verify
from rewards.redemption import checkout as kiosk
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.errors import CodeUsed
from rewards.redemption.models import CatalogueItem, Checkout
from rewards.redemption.outlets import add_operator
from rewards.staff.models import Role
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import START, ZONE, make_staff

ROUNDS = 5


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


async def test_a_code_scanned_at_two_kiosks_at_once_opens_one_checkout(
    uow: UnitOfWork, shop: Shop, database: Database
) -> None:
    second = await make_staff(uow, "kiosk-b", Role.KIOSK_OPERATOR, shop.town.units["community"])
    await add_operator(uow, staff=shop.town.admin, outlet_id=shop.outlet.id, operator_id=second.id)
    for n in range(ROUNDS):
        code = await issue_pay_code(uow, person_id=shop.town.alice)
        outcomes = await asyncio.gather(
            *(
                kiosk.scan(
                    UnitOfWork(database, uow.clock),
                    staff=staff,
                    outlet_id=shop.outlet.id,
                    digits=code.digits,
                    address=f"192.0.2.{n}",
                    zone=ZONE,
                )
                for staff in (shop.operator, second)
            ),
            return_exceptions=True,
        )
        opened = [o for o in outcomes if isinstance(o, kiosk.CheckoutView)]
        refused = [o for o in outcomes if isinstance(o, CodeUsed)]
        assert (len(opened), len(refused)) == (1, 1), outcomes
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(Checkout)) == ROUNDS


async def test_two_taps_on_confirm_pay_once(
    uow: UnitOfWork, shop: Shop, database: Database
) -> None:
    for _ in range(3):  # Alice's 30 points buy three 10-point soaps, the whole shelf
        code = await issue_pay_code(uow, person_id=shop.town.alice)
        started = await kiosk.scan(
            uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits,
            address=None, zone=ZONE,
        )  # fmt: skip
        taps = await asyncio.gather(
            *(
                kiosk.confirm(
                    UnitOfWork(database, uow.clock),
                    staff=shop.operator,
                    checkout_id=started.id,
                    lines={shop.soap.id: 1},
                    address=None,
                    zone=ZONE,
                )
                for _ in range(2)
            )
        )
        assert {tap.status for tap in taps} == {"completed"}
    async with uow.read() as session:
        spent = await session.scalar(
            select(func.count()).select_from(Entry).where(Entry.kind == "hold_post")
        )
        assert await verify(session) == []
        soap_left = await session.scalar(
            select(CatalogueItem.stock).where(CatalogueItem.id == shop.soap.id)
        )
    assert spent == 3  # one payment a checkout, not one a tap
    assert soap_left == 0
