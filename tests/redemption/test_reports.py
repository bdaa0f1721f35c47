"""The office's reports after real purchases: settlement, stock, liability, and XLSX."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from core.clock import FrozenClock
from core.db import Database
from core.spreadsheets import workbook
from core.uow import UnitOfWork
from rewards.errors import OutOfScope
from rewards.redemption import checkout as kiosk
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.refunds import refund
from rewards.redemption.reports import liabilities, settlements, stock_levels
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import START, ZONE


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


async def buy(uow: UnitOfWork, shop: Shop, lines: dict[int, int]) -> int:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    started = await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits, address=None,
        zone=ZONE,
    )  # fmt: skip
    done = await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=started.id, lines=lines, address=None, zone=ZONE
    )
    return done.id


async def test_the_day_the_shelves_and_what_is_owed_add_up(uow: UnitOfWork, shop: Shop) -> None:
    await buy(uow, shop, {shop.soap.id: 1})
    refunded = await buy(uow, shop, {shop.soap.id: 1})
    await refund(uow, staff=shop.town.admin, checkout_id=refunded, reason="退货")
    day = START.astimezone(ZONE).date()
    [ours, other] = sorted(
        await settlements(uow, staff=shop.town.admin, day=day, zone=ZONE),
        key=lambda s: s.outlet_id != shop.outlet.id,
    )
    assert (ours.checkouts, ours.points, ours.value_fen) == (1, 10, 1000)
    assert (ours.refunds, ours.refunded_points) == (1, 10)
    assert [(i.name, i.quantity) for i in ours.items] == [("肥皂", 1)]
    assert other.checkouts == 0
    elsewhere = await settlements(uow, staff=shop.town.admin, day=day.replace(day=2), zone=ZONE)
    assert all(s.checkouts == 0 for s in elsewhere)
    soap = next(
        line for line in await stock_levels(uow, staff=shop.town.admin) if line.code == "6901"
    )
    assert (soap.stock, soap.low) == (2, False)
    owed = await liabilities(uow, staff=shop.town.admin)
    # Alice earned 30, spent 20 and got 10 back; Bob and Carol hold nothing.
    assert [(o.point_type, o.points, o.value_fen) for o in owed] == [("moral", 20, 2000)]
    with pytest.raises(OutOfScope):  # a grid worker manages no outlet
        await settlements(uow, staff=shop.town.grid1, day=day, zone=ZONE)


def test_a_workbook_holds_the_figures_and_no_formulas() -> None:
    data = workbook("结算", ["超市", "积分"], [["=HYPERLINK(1)", 30], ["爱心超市", 20]])
    sheet = load_workbook(BytesIO(data)).active
    assert sheet is not None
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["超市", "积分"],
        ["'=HYPERLINK(1)", 30],
        ["爱心超市", 20],
    ]
