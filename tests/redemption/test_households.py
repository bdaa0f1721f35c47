"""A household's base counts in its total and is never spent; each member spends from
their own wallet only."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.people.models import Resident
from rewards.people.residents import found_household
from rewards.points.corrections import adjust
from rewards.points.households import household_card
from rewards.points.rules import PointTypeDraft, save_point_type
from rewards.redemption import checkout as kiosk
from rewards.redemption.catalogue import add_item
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.errors import NotEnoughPoints
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import START, ZONE


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


async def pay(uow: UnitOfWork, shop: Shop, person_id: int, item_id: int) -> kiosk.CheckoutView:
    code = await issue_pay_code(uow, person_id=person_id)
    started = await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits, address=None,
        zone=ZONE,
    )  # fmt: skip
    return await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=started.id, lines={item_id: 1}, address=None,
        zone=ZONE,
    )  # fmt: skip


async def test_the_base_is_never_spent_and_members_spend_their_own(uow: UnitOfWork) -> None:
    shop = await build_shop(uow)
    town = shop.town
    household_id = await found_household(
        uow, staff=town.grid1, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    async with uow.write() as session:  # Bob moves in with Alice
        await session.execute(
            update(Resident)
            .where(Resident.person_id == town.bob)
            .values(household_id=household_id, org_unit_id=town.units["grid-1"].id)
        )
    litang = PointTypeDraft(code="litang", name="户积分", household_base=100)
    await save_point_type(uow, staff=town.admin, draft=litang)
    await adjust(
        uow, staff=town.admin, person_id=town.alice, point_type="litang", points=7,
        reason="帮助邻居", request_key="a", approval_above=50, zone=ZONE,
    )  # fmt: skip
    towel = await add_item(
        uow, staff=town.admin, outlet_id=shop.outlet.id, code="t", name="毛巾",
        point_type="litang", price_points=8, value_fen=800, stock=5,
    )  # fmt: skip
    with pytest.raises(NotEnoughPoints) as short:  # 7 of her own; the base of 100 is not hers
        await pay(uow, shop, town.alice, towel.id)
    assert short.value.params == {"needed": 8, "redeemable": 7}
    with pytest.raises(NotEnoughPoints):  # Bob holds nothing; Alice's wallet is not his
        await pay(uow, shop, town.bob, towel.id)
    await adjust(
        uow, staff=town.admin, person_id=town.alice, point_type="litang", points=1,
        reason="帮助邻居", request_key="b", approval_above=50, zone=ZONE,
    )  # fmt: skip
    assert (await pay(uow, shop, town.alice, towel.id)).status == "completed"
    card = await household_card(uow, staff=town.grid1, household_id=household_id)
    litang_points = next(p for p in card.points if p.point_type == "litang")
    assert (litang_points.base, litang_points.members, litang_points.redeemable) == (100, 0, 0)
