"""The demo community's love supermarket (爱心超市): an outlet with a cashier, goods and a
fee offset, loaded through the same services as the panel uses, once."""

from __future__ import annotations

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.org.service import find_unit
from rewards.redemption.catalogue import add_item
from rewards.redemption.models import Outlet
from rewards.redemption.outlets import add_operator, create_outlet
from rewards.staff.service import StaffView

OUTLET = "demo-shop"
# code, name, English name, kind, price in points, value in fen, stock, monthly limit
GOODS = (
    ("6901001", "肥皂", "Soap", "goods", 10, 500, 40, None),
    ("6901002", "大米 5 斤", "Rice, 2.5 kg", "goods", 25, 1500, 20, 1),
    ("6901003", "食用油", "Cooking oil", "goods", 30, 2000, 15, None),
    ("6901004", "毛巾", "Towel", "goods", 8, 600, 3, None),
    ("fee-water", "水费抵扣 20 元", "Water bill, ¥20 off", "fee_offset", 20, 2000, 0, None),
)


async def load_shop_demo(uow: UnitOfWork, *, manager: StaffView, cashier: StaffView) -> None:
    async with uow.read() as session:
        if await session.scalar(select(Outlet.id).where(Outlet.code == OUTLET)) is not None:
            return  # loaded by an earlier run
    community = await find_unit(uow, "demo-community")
    outlet = await create_outlet(
        uow,
        staff=manager,
        unit_id=community.id,
        code=OUTLET,
        name="幸福社区爱心超市",
        name_en="Xingfu Love Supermarket",
    )
    await add_operator(uow, staff=manager, outlet_id=outlet.id, operator_id=cashier.id)
    for code, name, name_en, kind, price, value, stock, limit in GOODS:
        await add_item(
            uow,
            staff=manager,
            outlet_id=outlet.id,
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            point_type="moral",
            price_points=price,
            value_fen=value,
            stock=stock,
            low_stock_at=2 if kind == "goods" else 0,
            limit_per_resident=limit,
            limit_period="month" if limit else None,
        )
