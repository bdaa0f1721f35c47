"""Purchases at the demo's love supermarket in the last two weeks: residents showed their
pay code, the cashier scanned it and confirmed the goods, as at the kiosk page. Each on
its day, through the same services; once. They fill the day's settlement, the stock and
the liability reports, and the residents' statements."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.clock import FrozenClock
from core.uow import UnitOfWork
from moralbank.demo_shop import OUTLET
from rewards.people.residents import search_residents
from rewards.redemption.checkout import cancel, confirm, scan
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.errors import NotEnoughPoints
from rewards.redemption.models import CatalogueItem, Checkout, Outlet
from rewards.staff.service import StaffView

# days ago, hour (local), the buyer's place among the community's residents, goods by code
SALES = (
    (12, 9, 0, {"6901001": 1}),
    (9, 15, 8, {"6901004": 1, "6901001": 1}),
    (6, 10, 13, {"6901001": 2}),
    (3, 16, 25, {"6901004": 2}),
    (1, 10, 31, {"6901001": 1}),
)


async def load_sales_demo(
    uow: UnitOfWork, *, community: StaffView, cashier: StaffView, zone: ZoneInfo
) -> None:
    async with uow.read() as session:
        outlet = await session.scalar(select(Outlet.id).where(Outlet.code == OUTLET))
        assert outlet is not None, "the shop is loaded first"
        if await session.scalar(select(Checkout.id).where(Checkout.outlet_id == outlet).limit(1)):
            return  # sold by an earlier run
        shelf = await session.execute(
            select(CatalogueItem.code, CatalogueItem.id).where(CatalogueItem.outlet_id == outlet)
        )
        items = {code: item_id for code, item_id in shelf}
    residents = await search_residents(uow, staff=community, status="verified")
    buyers = sorted(row.person_id for row in residents)
    for days_ago, hour, buyer, goods in SALES:
        day = (uow.now() - timedelta(days=days_ago)).astimezone(zone)
        then = UnitOfWork(uow.database, FrozenClock(day.replace(hour=hour, minute=20)))
        person_id = buyers[buyer % len(buyers)]
        code = await issue_pay_code(then, person_id=person_id)
        checkout = await scan(
            then, staff=cashier, outlet_id=outlet, digits=code.digits, address=None, zone=zone
        )
        lines = {items[item]: quantity for item, quantity in goods.items()}
        try:
            await confirm(
                then, staff=cashier, checkout_id=checkout.id, lines=lines, address=None, zone=zone
            )
        except NotEnoughPoints:
            # Short of points, as happens at a counter: the cashier gives the checkout up.
            await cancel(then, staff=cashier, checkout_id=checkout.id, address=None)
