"""A case's life through the services, on a real database: the six steps with their
points and messages, the ladder, the permissions table at the case's unit, two staff on
one case, the reporter's own steps, and a report found false."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.cases.errors import (
    CaseMovedOn,
    InvalidRating,
    NotYourCase,
    ProofPhotoNeeded,
    StepNotAllowed,
    TooManyPhotos,
    TopOfLadder,
)
from rewards.cases.models import Case, CaseEvent
from rewards.cases.reporting import add_photo, add_proof, open_draft
from rewards.errors import OutOfScope
from rewards.messaging.models import OutboxMessage
from tests.admin.kiosk_support import balance
from tests.cases.town import Town, build_town, photo, reported
from tests.rewards.community import START, ZONE

ALICE_CHAT = 501


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def history(uow: UnitOfWork, case_id: int) -> list[tuple[str, str, int | None, int | None]]:
    async with uow.read() as session:
        rows = await session.execute(
            select(
                CaseEvent.action,
                CaseEvent.to_status,
                CaseEvent.actor_staff_id,
                CaseEvent.actor_person_id,
            )
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def told(uow: UnitOfWork, chat_id: int) -> list[str]:
    async with uow.read() as session:
        keys = await session.scalars(
            select(OutboxMessage.text_key)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.text_key.like("cases.%"))
            .order_by(OutboxMessage.id)
        )
        return [str(key) for key in keys]


async def test_a_report_goes_round_the_whole_loop_and_pays_by_rule(
    uow: UnitOfWork, town: Town
) -> None:
    alice, grid1, admin = town.people.alice, town.people.grid1, town.people.admin
    before = await balance(uow, alice)
    case = await reported(uow, town, alice, town.litter)
    assert case.status == "reported"
    assert case.acknowledge_by is not None
    assert case.resolve_by is not None
    case = await steps.verify(uow, staff=grid1, case_id=case.id, version=case.version, zone=ZONE)
    assert await balance(uow, alice) == before + 2
    with pytest.raises(ProofPhotoNeeded):
        await steps.resolve(uow, staff=grid1, case_id=case.id, version=case.version, zone=ZONE)
    await add_proof(uow, staff=grid1, case_id=case.id, photo=photo(900))
    case = await steps.resolve(uow, staff=grid1, case_id=case.id, version=case.version, zone=ZONE)
    assert await balance(uow, alice) == before + 5
    case = await steps.close(uow, staff=admin, case_id=case.id, version=case.version)
    case = await steps.rate(uow, person_id=alice, case_id=case.id, stars=5, comment=" 很快 ")
    assert case.status == "rated"
    assert await history(uow, case.id) == [
        ("submit", "reported", None, alice),
        ("verify", "verified", grid1.id, None),
        ("resolve", "handled", grid1.id, None),
        ("close", "closed", admin.id, None),
        ("rate", "rated", None, alice),
    ]
    assert await told(uow, ALICE_CHAT) == [
        "cases.reported", "cases.verified", "cases.handled", "cases.closed", "cases.rated",
    ]  # fmt: skip
    async with uow.read() as session:
        row = await session.get(Case, case.id)
        assert row is not None
        assert (row.rating, row.rating_comment) == (5, "很快")


async def test_staff_act_only_where_the_permissions_table_lets_them(
    uow: UnitOfWork, town: Town
) -> None:
    case = await reported(uow, town, town.people.alice, town.litter)
    with pytest.raises(OutOfScope):  # the worker of the other grid
        await steps.verify(uow, staff=town.people.grid2, case_id=case.id, version=None, zone=ZONE)
    with pytest.raises(OutOfScope):  # a grid worker may not escalate: the grid head may
        await steps.escalate(
            uow, staff=town.people.grid1, case_id=case.id, version=None, reason="太大"
        )
    with pytest.raises(OutOfScope):  # closing is a check by the community's staff
        await steps.close(uow, staff=town.head, case_id=case.id, version=None)
    assert await history(uow, case.id) == [("submit", "reported", None, town.people.alice)]


async def test_of_two_staff_acting_on_what_they_saw_the_second_is_told(
    uow: UnitOfWork, town: Town
) -> None:
    case = await reported(uow, town, town.people.alice, town.litter)
    seen = case.version
    await steps.verify(uow, staff=town.people.grid1, case_id=case.id, version=seen, zone=ZONE)
    with pytest.raises(CaseMovedOn) as told_so:
        await steps.reject(uow, staff=town.head, case_id=case.id, version=seen, reason="invalid")
    assert told_so.value.params == {"status": "verified"}


async def test_two_staff_at_once_one_wins_and_the_other_is_told(
    uow: UnitOfWork, town: Town
) -> None:
    """On PostgreSQL the two really run at once: the second waits on the case's row."""
    for _ in range(5):
        case = await reported(uow, town, town.people.alice, town.lamp)
        outcomes = await asyncio.gather(
            steps.verify(
                uow, staff=town.people.grid1, case_id=case.id, version=case.version, zone=ZONE
            ),
            steps.reject(
                uow, staff=town.head, case_id=case.id, version=case.version, reason="invalid"
            ),
            return_exceptions=True,
        )
        won = [outcome for outcome in outcomes if isinstance(outcome, steps.CaseView)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, CaseMovedOn)]
        assert (len(won), len(lost)) == (1, 1), outcomes
        assert lost[0].params == {"status": won[0].status}
        assert [row[1] for row in await history(uow, case.id)] == ["reported", won[0].status]


async def test_a_case_climbs_the_ladder_and_only_the_rung_above_may_act(
    uow: UnitOfWork, town: Town
) -> None:
    people = town.people
    case = await reported(uow, town, people.alice, town.lamp)
    case = await steps.verify(uow, staff=people.grid1, case_id=case.id, version=None, zone=ZONE)
    case = await steps.escalate(
        uow, staff=town.head, case_id=case.id, version=None, reason="需换灯杆"
    )
    assert (case.level, case.unit_id, case.status) == (
        "community", people.units["community"].id, "dispatched"
    )  # fmt: skip
    with pytest.raises(OutOfScope):  # the grid no longer answers for it
        await add_proof(uow, staff=people.grid1, case_id=case.id, photo=photo(901))
    case = await steps.escalate(
        uow, staff=people.admin, case_id=case.id, version=None, reason="街道"
    )
    assert (case.level, case.unit_id) == ("street", people.units["street"].id)
    case = await steps.escalate(
        uow, staff=people.admin, case_id=case.id, version=None, reason="部门"
    )
    assert (case.level, case.unit_id) == ("department", people.units["street"].id)
    with pytest.raises(TopOfLadder):
        await steps.escalate(uow, staff=people.admin, case_id=case.id, version=None, reason="再上")
    await add_proof(uow, staff=town.department, case_id=case.id, photo=photo(902))
    case = await steps.resolve(
        uow, staff=town.department, case_id=case.id, version=None, zone=ZONE
    )
    assert (case.status, case.handler_staff_id) == ("handled", town.department.id)


async def test_rejected_reports_earn_nothing_and_say_why(uow: UnitOfWork, town: Town) -> None:
    alice = town.people.alice
    before = await balance(uow, alice)
    first = await reported(uow, town, alice, town.litter)
    second = await reported(uow, town, alice, town.litter)
    third = await reported(uow, town, alice, town.litter)
    await steps.reject(
        uow, staff=town.people.grid1, case_id=second.id, version=None, reason="duplicate",
        duplicate_of=first.id,
    )  # fmt: skip
    await steps.reject(
        uow, staff=town.people.grid1, case_id=third.id, version=None, reason="invalid"
    )
    assert await balance(uow, alice) == before
    keys = await told(uow, ALICE_CHAT)
    assert keys.count("cases.rejected_duplicate") == 1
    assert keys.count("cases.rejected_invalid") == 1
    async with uow.read() as session:
        row = await session.get(Case, second.id)
        assert row is not None
        assert (row.status, row.duplicate_of_id) == ("rejected", first.id)


async def test_points_for_reports_stop_at_the_daily_cap(uow: UnitOfWork, town: Town) -> None:
    alice = town.people.alice
    before = await balance(uow, alice)
    for _ in range(3):  # 2 + 2, then the cap of 4 a day is reached
        case = await reported(uow, town, alice, town.litter)
        await steps.verify(uow, staff=town.people.grid1, case_id=case.id, version=None, zone=ZONE)
    assert await balance(uow, alice) == before + 4


async def test_a_report_found_false_loses_its_points(uow: UnitOfWork, town: Town) -> None:
    alice, grid1 = town.people.alice, town.people.grid1
    before = await balance(uow, alice)
    case = await reported(uow, town, alice, town.litter)
    await steps.verify(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    await add_proof(uow, staff=grid1, case_id=case.id, photo=photo(903))
    await steps.resolve(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    assert await balance(uow, alice) == before + 5
    case = await steps.found_false(
        uow,
        staff=town.people.admin,
        case_id=case.id,
        version=None,
        reason="照片是网上的",
        zone=ZONE,
    )
    assert case.status == "rejected"
    assert await balance(uow, alice) == before
    assert (await told(uow, ALICE_CHAT))[-1] == "cases.rejected_false"


async def test_the_reporters_own_steps(uow: UnitOfWork, town: Town) -> None:
    alice, bob, grid1 = town.people.alice, town.people.bob, town.people.grid1
    draft = await open_draft(uow, person_id=alice)
    assert (await open_draft(uow, person_id=alice)).id == draft.id  # resumed, not a second
    for n in range(4):
        await add_photo(uow, person_id=alice, case_id=draft.id, photo=photo(n))
    await add_photo(uow, person_id=alice, case_id=draft.id, photo=photo(0))  # the same again
    with pytest.raises(TooManyPhotos):
        await add_photo(uow, person_id=alice, case_id=draft.id, photo=photo(9))
    with pytest.raises(NotYourCase):
        await add_photo(uow, person_id=bob, case_id=draft.id, photo=photo(10))
    assert (await steps.withdraw(uow, person_id=alice, case_id=draft.id)).status == "withdrawn"
    case = await reported(uow, town, alice, town.litter)
    before = await balance(uow, alice)
    with pytest.raises(StepNotAllowed):  # nothing to rate yet
        await steps.rate(uow, person_id=alice, case_id=case.id, stars=4, comment=None)
    await steps.verify(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    await add_proof(uow, staff=grid1, case_id=case.id, photo=photo(904))
    await steps.resolve(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    await steps.close(uow, staff=town.people.admin, case_id=case.id, version=None)
    with pytest.raises(InvalidRating):
        await steps.rate(uow, person_id=alice, case_id=case.id, stars=6, comment=None)
    with pytest.raises(NotYourCase):
        await steps.reopen(uow, person_id=bob, case_id=case.id, reason="没修好")
    case = await steps.reopen(uow, person_id=alice, case_id=case.id, reason="灯还是不亮")
    assert case.status == "dispatched"
    await steps.resolve(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    assert await balance(uow, alice) == before + 5  # resolved twice, paid once
