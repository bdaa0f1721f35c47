"""The clocks of a case: an overdue case is named to whoever supervises where it is,
once a day and all in one message; a week after closing the reporter is asked whether it
stayed fixed, once. Run as the worker runs them, on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from moralbank.worker import Worker
from rewards.cases import steps
from rewards.cases.reporting import add_proof
from rewards.messaging.models import OutboxMessage
from rewards.staff.service import StaffView
from rewards.staff.telegram import LINK_PREFIX, link_chat, offer_link
from tests.cases.town import Town, build_town, photo, reported
from tests.rewards.community import START, ZONE

HEAD_CHAT, WORKER_CHAT, ALICE_CHAT = 880031, 880032, 501


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    town = await build_town(uow)
    await _link(uow, town.head, HEAD_CHAT)
    await _link(uow, town.people.grid1, WORKER_CHAT)
    return town


async def _link(uow: UnitOfWork, staff: StaffView, chat: int) -> None:
    offer = await offer_link(uow, staff=staff)
    await link_chat(uow, secret=offer.payload.removeprefix(LINK_PREFIX), telegram_user_id=chat)


async def messages(uow: UnitOfWork, chat_id: int, key: str) -> list[dict[str, object]]:
    async with uow.read() as session:
        rows = await session.scalars(
            select(OutboxMessage.text_params)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.text_key == key)
            .order_by(OutboxMessage.id)
        )
        return [dict(params or {}) for params in rows]


async def test_overdue_cases_reach_the_grid_head_once_a_day_in_one_digest(
    database: Database, clock: FrozenClock, uow: UnitOfWork, town: Town
) -> None:
    first = await reported(uow, town, town.people.alice, town.litter)
    second = await reported(uow, town, town.people.alice, town.lamp)
    worker = Worker(database, clock)
    await worker.schedule_recurring()
    clock.advance(timedelta(hours=11))
    await worker.run_once()
    assert await messages(uow, HEAD_CHAT, "cases.staff.overdue") == []  # not late yet
    clock.advance(timedelta(hours=2))  # past the 12 hours to acknowledge
    await worker.run_once()
    digests = await messages(uow, HEAD_CHAT, "cases.staff.overdue")
    assert digests == [{"count": 2, "numbers": f"#{first.id}, #{second.id}"}]
    # A grid worker handles cases but supervises nobody: no digest for them.
    assert await messages(uow, WORKER_CHAT, "cases.staff.overdue") == []
    for _ in range(3):  # the hourly runs of the same day add nothing
        clock.advance(timedelta(hours=1))
        await worker.run_once()
    assert len(await messages(uow, HEAD_CHAT, "cases.staff.overdue")) == 1
    await steps.verify(uow, staff=town.head, case_id=first.id, version=None, zone=ZONE)
    clock.advance(timedelta(days=1))
    await worker.run_once()
    digests = await messages(uow, HEAD_CHAT, "cases.staff.overdue")
    # The next day: the one still not acknowledged; the verified one has 72 hours.
    assert digests[1:] == [{"count": 1, "numbers": f"#{second.id}"}]


async def test_a_week_after_closing_the_reporter_is_asked_once_if_it_stayed_fixed(
    database: Database, clock: FrozenClock, uow: UnitOfWork, town: Town
) -> None:
    case = await reported(uow, town, town.people.alice, town.litter)
    grid1, admin = town.people.grid1, town.people.admin
    await steps.verify(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    await add_proof(uow, staff=grid1, case_id=case.id, photo=photo(900))
    await steps.resolve(uow, staff=grid1, case_id=case.id, version=None, zone=ZONE)
    await steps.close(uow, staff=admin, case_id=case.id, version=None)
    worker = Worker(database, clock)
    await worker.schedule_recurring()
    clock.advance(timedelta(days=6))
    await worker.run_once()
    assert await messages(uow, ALICE_CHAT, "cases.follow_up") == []
    clock.advance(timedelta(days=1, hours=1))
    await worker.run_once()
    clock.advance(timedelta(hours=2))
    await worker.run_once()
    assert await messages(uow, ALICE_CHAT, "cases.follow_up") == [{"number": case.id}]
    # Broken again: the reporter may still send it back after the question.
    await steps.rate(uow, person_id=town.people.alice, case_id=case.id, stars=5, comment=None)
    reopened = await steps.reopen(
        uow, person_id=town.people.alice, case_id=case.id, reason="又堆起来了"
    )
    assert reopened.status == "dispatched"
