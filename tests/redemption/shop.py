"""A love supermarket for the redemption tests: the points tests' community, an outlet at
its community with an operator, goods, a fee offset, and points in Alice's wallet."""

from __future__ import annotations

from dataclasses import dataclass

from core.uow import UnitOfWork
from rewards.points.awards import apply_rule
from rewards.redemption.catalogue import ItemView, add_item
from rewards.redemption.outlets import OutletView, add_operator, create_outlet
from rewards.staff.models import Role
from rewards.staff.service import StaffView
from tests.rewards.community import ZONE, Community, build_community, make_staff

SWEEPS = 6
STAFF_GROUP = (
    -100500
)  # the outlet staff's Telegram group  # Alice's sweeps: 6 × 5 = 30 moral points


@dataclass(frozen=True)
class Shop:
    town: Community
    outlet: OutletView
    other: OutletView  # at grid 2, worked by someone else
    operator: StaffView
    stranger: StaffView  # a kiosk operator of the other outlet
    soap: ItemView  # 10 points, 3 on the shelf
    rice: ItemView  # 25 points, 20 on the shelf, at most 1 a month per resident
    water_fee: ItemView  # a fee offset of 20 points (¥20)


async def build_shop(uow: UnitOfWork) -> Shop:
    town = await build_community(uow)
    outlet = await create_outlet(
        uow, staff=town.admin, unit_id=town.units["community"].id, code="shop", name="爱心超市",
        alert_chat_id=STAFF_GROUP,
    )  # fmt: skip
    other = await create_outlet(
        uow, staff=town.admin, unit_id=town.units["grid-2"].id, code="shop2", name="二号超市"
    )
    operator = await make_staff(uow, "kiosk", Role.KIOSK_OPERATOR, town.units["community"])
    stranger = await make_staff(uow, "kiosk2", Role.KIOSK_OPERATOR, town.units["grid-2"])
    await add_operator(uow, staff=town.admin, outlet_id=outlet.id, operator_id=operator.id)
    await add_operator(uow, staff=town.admin, outlet_id=other.id, operator_id=stranger.id)
    soap = await add_item(
        uow, staff=town.admin, outlet_id=outlet.id, code="6901", name="肥皂", name_en="Soap",
        point_type="moral", price_points=10, value_fen=1000, stock=3, low_stock_at=1,
    )  # fmt: skip
    rice = await add_item(
        uow, staff=town.admin, outlet_id=outlet.id, code="6902", name="大米", name_en="Rice",
        point_type="moral", price_points=25, value_fen=2500, stock=20,
        limit_per_resident=1, limit_period="month",
    )  # fmt: skip
    water_fee = await add_item(
        uow, staff=town.admin, outlet_id=outlet.id, code="fee-water", name="水费抵扣",
        point_type="moral", price_points=20, value_fen=2000, kind="fee_offset",
    )  # fmt: skip
    for n in range(SWEEPS):
        await apply_rule(
            uow,
            staff=town.grid1,
            person_id=town.alice,
            rule_code="sweep",
            request_key=f"s{n}",
            zone=ZONE,
        )
    return Shop(town, outlet, other, operator, stranger, soap, rice, water_fee)
