"""Managing the shelf after it is stocked, and the property office's side of fee offsets:
a price change leaves checkouts already made alone, a retired item leaves the kiosk; a
write-off needs its reason; a fee paid with points is settled once, under the office's
reference, and can no longer be refunded; outsiders change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.errors import OutOfScope, ReasonRequired
from rewards.redemption import checkout as kiosk
from rewards.redemption.catalogue import ItemChange, change_item, restock
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.counter import counter
from rewards.redemption.errors import FeeOffsetSettled, InvalidQuantity, UnknownItem
from rewards.redemption.fee_offsets import fee_offsets, settle
from rewards.redemption.models import CheckoutLine
from rewards.redemption.refunds import refund
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import START, ZONE


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


async def buy(uow: UnitOfWork, shop: Shop, lines: dict[int, int]) -> kiosk.CheckoutView:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    started = await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits, address=None,
        zone=ZONE,
    )  # fmt: skip
    return await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=started.id, lines=lines, address=None, zone=ZONE
    )


def soap_change(**changes: object) -> ItemChange:
    values: dict[str, object] = {
        "name": "香皂", "name_en": "Soap", "price_points": 12, "value_fen": 1200,
        "low_stock_at": 1, "limit_per_resident": None, "limit_period": None, "active": True,
    }  # fmt: skip
    values.update(changes)
    return ItemChange(**values)  # type: ignore[arg-type]


async def test_a_price_change_leaves_past_sales_alone_and_retiring_empties_the_shelf(
    uow: UnitOfWork, shop: Shop
) -> None:
    sold = await buy(uow, shop, {shop.soap.id: 1})
    changed = await change_item(
        uow, staff=shop.town.admin, item_id=shop.soap.id, change=soap_change()
    )
    assert (changed.name, changed.price_points) == ("香皂", 12)
    async with uow.read() as session:
        price = await session.scalar(
            select(CheckoutLine.price_points).where(CheckoutLine.checkout_id == sold.id)
        )
    assert price == 10
    await change_item(
        uow, staff=shop.town.admin, item_id=shop.soap.id, change=soap_change(active=False)
    )
    shelf = await counter(uow, staff=shop.operator, outlet_id=shop.outlet.id)
    assert shop.soap.id not in [item.id for item in shelf.items]
    with pytest.raises(UnknownItem):  # a retired item cannot be sold, even if still listed
        await buy(uow, shop, {shop.soap.id: 1})
    with pytest.raises(InvalidQuantity):  # a limit needs its period
        await change_item(
            uow, staff=shop.town.admin, item_id=shop.rice.id,
            change=soap_change(limit_per_resident=2),
        )  # fmt: skip
    with pytest.raises(OutOfScope):
        await change_item(uow, staff=shop.town.grid1, item_id=shop.rice.id, change=soap_change())
    async with uow.read() as session:
        changes = (
            await session.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "outlet.item_change")
            )
        ).all()
    assert changes[0] == {
        "name": ["肥皂", "香皂"],
        "price_points": [10, 12],
        "value_fen": [1000, 1200],
    }
    assert changes[1] == {"active": [True, False]}


async def test_a_write_off_needs_a_reason_and_cannot_go_below_zero(
    uow: UnitOfWork, shop: Shop
) -> None:
    with pytest.raises(ReasonRequired):
        await restock(uow, staff=shop.town.admin, item_id=shop.soap.id, added=-1, reason=" ")
    with pytest.raises(InvalidQuantity):
        await restock(uow, staff=shop.town.admin, item_id=shop.soap.id, added=-4, reason="破损")
    left = await restock(uow, staff=shop.town.admin, item_id=shop.soap.id, added=-1, reason="破损")
    assert left.stock == 2


async def test_a_fee_paid_with_points_is_settled_once_and_then_not_refunded(
    uow: UnitOfWork, shop: Shop
) -> None:
    admin = shop.town.admin
    paid = await buy(uow, shop, {shop.water_fee.id: 1})
    due = await fee_offsets(uow, staff=admin)
    assert [(row.item, row.person, row.value_fen, row.status) for row in due] == [
        ("水费抵扣", "Alice", 2000, "due")
    ]
    with pytest.raises(OutOfScope):
        await settle(uow, staff=shop.town.grid1, offset_ids=[due[0].id], reference="R-1")
    with pytest.raises(ReasonRequired):
        await settle(uow, staff=admin, offset_ids=[due[0].id], reference=" ")
    first = await settle(uow, staff=admin, offset_ids=[due[0].id, 999], reference="物业收据 0012")
    assert (first.settled, first.skipped) == (1, 1)
    again = await settle(uow, staff=admin, offset_ids=[due[0].id], reference="物业收据 0013")
    assert (again.settled, again.skipped) == (0, 1)
    settled = await fee_offsets(uow, staff=admin, status="settled")
    assert [(row.id, row.settlement_ref) for row in settled] == [(due[0].id, "物业收据 0012")]
    assert await fee_offsets(uow, staff=admin) == []
    with pytest.raises(FeeOffsetSettled):
        await refund(uow, staff=admin, checkout_id=paid.id, reason="居民要求")
