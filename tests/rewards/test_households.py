"""A household's members and points: its members' wallets added up, the Litang base on
top (never redeemable), and staff who see only the households of their own grids."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Entry
from ledger.verify import verify
from rewards.errors import OutOfScope, UnknownHousehold
from rewards.people.households import search_households
from rewards.people.models import Household, Resident
from rewards.people.residents import found_household
from rewards.points.awards import ChangeView, apply_rule
from rewards.points.corrections import adjust, undo
from rewards.points.households import household_card
from rewards.points.rules import PointTypeDraft, save_point_type
from rewards.points.wallet import my_wallet
from tests.rewards.community import START, ZONE, Community, build_community


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


async def _household_of_alice_and_carol(uow: UnitOfWork, town: Community) -> int:
    """Alice heads it; Carol (not verified yet) joined with its code."""
    household_id = await found_household(
        uow, staff=town.grid1, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    async with uow.write() as session:
        await session.execute(
            update(Resident)
            .where(Resident.person_id == town.carol)
            .values(household_id=household_id)
        )
    return household_id


async def test_a_household_adds_up_its_members_and_its_base(uow: UnitOfWork) -> None:
    town = await build_community(uow)
    household_id = await _household_of_alice_and_carol(uow, town)
    litang = PointTypeDraft(code="litang", name="户积分", household_base=100, value_fen=100)
    await save_point_type(uow, staff=town.admin, draft=litang)
    await apply_rule(
        uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key="a1", zone=ZONE
    )
    await adjust(
        uow,
        staff=town.admin,
        person_id=town.alice,
        point_type="litang",
        points=7,
        reason="帮助邻居",
        request_key="a2",
        approval_above=50,
        zone=ZONE,
    )

    card = await household_card(uow, staff=town.grid1, household_id=household_id)
    assert [(m.person_id, m.is_head, m.status) for m in card.household.members] == [
        (town.alice, True, "verified"),
        (town.carol, False, "pending"),
    ]
    points = {p.point_type: (p.base, p.members, p.total, p.redeemable) for p in card.points}
    # Moral points: Alice's 5, no base. Litang: the base of 100 counts in the total but
    # only what the members earned above it can be spent.
    assert points == {"moral": (0, 5, 5, 5), "litang": (100, 7, 107, 7)}

    # Alice sees the same household figures in the bot's wallet.
    wallet = await my_wallet(uow, person_id=town.alice, locale="zh_Hans", zone=ZONE)
    assert {p.point_type: p.total for p in wallet.household} == {"moral": 5, "litang": 107}
    bob = await my_wallet(uow, person_id=town.bob, locale="en", zone=ZONE)
    assert bob.household == ()  # Bob lives in no household


async def test_staff_see_only_the_households_of_their_grids(uow: UnitOfWork) -> None:
    town = await build_community(uow)
    household_id = await _household_of_alice_and_carol(uow, town)
    with pytest.raises(OutOfScope):
        await household_card(uow, staff=town.grid2, household_id=household_id)
    with pytest.raises(UnknownHousehold):
        await household_card(uow, staff=town.grid1, household_id=household_id + 1000)
    assert await search_households(uow, staff=town.grid2) == []

    [row] = await search_households(uow, staff=town.grid1)
    assert (row.id, row.head_name, row.members, row.pending) == (household_id, "Alice", 2, 1)
    assert [r.id for r in await search_households(uow, staff=town.admin, query="Carol")] == [
        household_id
    ]
    async with uow.read() as session:
        code = (await session.get(Household, household_id)).invite_code  # type: ignore[union-attr]
    assert [r.id for r in await search_households(uow, staff=town.admin, query=code.lower())] == [
        household_id
    ]
    assert await search_households(uow, staff=town.admin, query="Bob") == []


async def test_a_deduction_past_the_wallet_comes_off_the_household_base(
    uow: UnitOfWork,
) -> None:
    """Litang deducts for breaking the village code even from a household that has
    earned nothing: what the member's wallet lacks comes off the household's base."""
    town = await build_community(uow)
    household_id = await _household_of_alice_and_carol(uow, town)
    litang = PointTypeDraft(code="litang", name="户积分", household_base=100)
    await save_point_type(uow, staff=town.admin, draft=litang)

    async def change(points: int, key: str) -> ChangeView:
        return await adjust(
            uow,
            staff=town.admin,
            person_id=town.alice,
            point_type="litang",
            points=points,
            reason="违反村规",
            request_key=key,
            approval_above=1000,
            zone=ZONE,
        )

    async def litang_figures() -> tuple[int, int, int]:
        card = await household_card(uow, staff=town.admin, household_id=household_id)
        [points] = [p for p in card.points if p.point_type == "litang"]
        return points.base, points.members, points.total

    await change(7, "earn")
    fine = await change(-20, "fine")
    assert (fine.asked_points, fine.points) == (-20, -20)
    assert await litang_figures() == (87, 0, 87)  # 7 from Alice, 13 from the base
    worst = await change(-200, "worst")
    assert worst.points == -87  # the base never goes below zero
    assert await litang_figures() == (0, 0, 0)

    await undo(uow, staff=town.admin, change_id=worst.id, reason="复核撤销")
    await undo(uow, staff=town.admin, change_id=fine.id, reason="复核撤销")
    assert await litang_figures() == (100, 7, 107)
    async with uow.read() as session:
        assert await verify(session) == []
        grants = await session.scalar(
            select(func.count()).select_from(Entry).where(Entry.kind == "household_base")
        )
    assert grants == 1  # the base was granted once, when first reached into
