"""A household's members and points: its members' wallets added up, the Litang base on
top (never redeemable), and staff who see only the households of their own grids."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from ledger.models import Entry
from ledger.service import Leg, available, post_entry
from ledger.verify import verify
from rewards.errors import HouseholdElsewhere, OutOfScope, UnknownHousehold
from rewards.people.households import search_households
from rewards.people.joining import apply_to_join, give_consent, give_phone
from rewards.people.models import Household, Resident
from rewards.people.residents import found_household, register_resident
from rewards.people.service import greet
from rewards.points.accounts import penalties, person_wallet
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

    await undo(uow, staff=town.admin, change_id=worst.id, reason="复核撤销", zone=ZONE)
    await undo(uow, staff=town.admin, change_id=fine.id, reason="复核撤销", zone=ZONE)
    assert await litang_figures() == (100, 7, 107)
    async with uow.read() as session:
        assert await verify(session) == []
        grants = await session.scalar(
            select(func.count()).select_from(Entry).where(Entry.kind == "household_base")
        )
    assert grants == 1  # the base was granted once, when first reached into


async def test_a_household_keeps_its_members_in_its_own_grid(uow: UnitOfWork) -> None:
    """Staff who see a household see all of it: its members live in its grid."""
    town = await build_community(uow)
    household_id = await found_household(
        uow, staff=town.grid1, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    with pytest.raises(HouseholdElsewhere):  # staff enrolling someone in another grid
        await register_resident(
            uow,
            staff=town.admin,
            display_name="Dan",
            unit_id=town.units["grid-2"].id,
            household_id=household_id,
        )
    with pytest.raises(HouseholdElsewhere):  # Bob lives in grid 2
        await found_household(
            uow, staff=town.admin, unit_id=town.units["grid-1"].id, head_person_id=town.bob
        )
    # A relative who picked the wrong grid in the bot joins the household's own.
    relative = await greet(
        uow, channel="telegram", external_id=777, display_name="Erin", language_hint="en"
    )
    await give_consent(uow, person_id=relative.id)
    await give_phone(uow, person_id=relative.id, phone="+8613900139000")
    async with uow.read() as session:
        code = (await session.get(Household, household_id)).invite_code  # type: ignore[union-attr]
    await apply_to_join(
        uow, person_id=relative.id, unit_id=town.units["grid-2"].id, household_code=code
    )
    async with uow.read() as session:
        joined = await session.get(Resident, relative.id)
    assert joined is not None
    assert (joined.org_unit_id, joined.household_id) == (town.units["grid-1"].id, household_id)
    # Typed % and _ are letters, not wildcards.
    assert await search_households(uow, staff=town.admin, query="%") == []
    assert await search_households(uow, staff=town.admin, query="_") == []


async def test_two_members_fined_at_once_share_what_is_left_of_the_base(
    database: Database,
) -> None:
    """Separate connections on PostgreSQL: both fines go through, together taking no more
    than the base, and neither fails for the other."""
    uow = UnitOfWork(database, FrozenClock(START))
    town = await build_community(uow)
    await save_point_type(
        uow,
        staff=town.admin,
        draft=PointTypeDraft(code="litang", name="户积分", household_base=100),
    )
    household_id = await found_household(
        uow, staff=town.admin, unit_id=town.units["grid-1"].id, head_person_id=town.alice
    )
    dan = await register_resident(
        uow, staff=town.admin, display_name="Dan", unit_id=town.units["grid-1"].id,
        household_id=household_id,
    )  # fmt: skip

    async def fine(person_id: int, points: int, key: str) -> ChangeView:
        return await adjust(
            UnitOfWork(database, FrozenClock(START)),
            staff=town.admin,
            person_id=person_id,
            point_type="litang",
            points=points,
            reason="违反村规",
            request_key=key,
            approval_above=1000,
            zone=ZONE,
        )

    first = await fine(town.alice, -1, "first")  # the base account exists from here on
    assert first.points == -1
    changes = await asyncio.gather(fine(town.alice, -80, "a"), fine(dan, -80, "d"))
    assert sorted(change.points for change in changes) == [-80, -19]
    card = await household_card(uow, staff=town.admin, household_id=household_id)
    assert [p.base for p in card.points if p.point_type == "litang"] == [0]
    async with uow.read() as session:
        assert await verify(session) == []


async def test_a_fine_waits_for_a_spend_in_flight_and_takes_what_is_left(
    database: Database,
) -> None:
    """While another transaction holds the wallet (a spend being written), a fine waits
    and then takes what the spend left, instead of failing at the floor."""
    if database.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    uow = UnitOfWork(database, FrozenClock(START))
    town = await build_community(uow)
    for key in ("a1", "a2"):
        await apply_rule(
            uow, staff=town.grid1, person_id=town.alice, rule_code="sweep", request_key=key,
            zone=ZONE,
        )  # fmt: skip
    spend = asyncio.Event()

    async def spend_eight() -> None:
        async with database.write() as session:
            wallet = await person_wallet(session, town.alice, "moral", START)
            await available(session, wallet.id, lock=True)
            spend.set()
            await asyncio.sleep(0.3)  # the fine starts meanwhile and must wait
            penalties_account = await penalties(session, "moral", START)
            await post_entry(
                session,
                idempotency_key="spend-8",
                kind="redeem",
                legs=[Leg(wallet.id, -8), Leg(penalties_account.id, 8)],
                now=START,
            )

    async def fine_five() -> ChangeView:
        await spend.wait()
        return await apply_rule(
            UnitOfWork(database, FrozenClock(START)),
            staff=town.grid1,
            person_id=town.alice,
            rule_code="litter",
            request_key="f",
            zone=ZONE,
        )

    _, fined = await asyncio.gather(spend_eight(), fine_five())
    assert (fined.asked_points, fined.points) == (-3, -2)  # 10 - 8 left 2
