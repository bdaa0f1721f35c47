"""Keeping reporting usable: at most ten reports in 24 hours, and staff may stop a
resident who misuses it (a reason, audited, only where their role reaches) and let them
report again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.cases.abuse import MAX_REPORTS_PER_DAY, resume_reporting, stop_reporting
from rewards.cases.errors import CaseIncomplete, ReasonNeeded, ReportingStopped, TooManyReports
from rewards.cases.reporting import add_photo, open_draft, set_description
from rewards.cases.steps import submit
from rewards.errors import OutOfScope
from tests.cases.town import Town, build_town, photo, reported
from tests.rewards.community import START


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def test_the_eleventh_report_in_a_day_waits_for_tomorrow(
    uow: UnitOfWork, town: Town, clock: FrozenClock
) -> None:
    for _ in range(MAX_REPORTS_PER_DAY):
        await reported(uow, town, town.people.alice, town.lamp)
        clock.advance(timedelta(minutes=30))
    with pytest.raises(TooManyReports):
        await reported(uow, town, town.people.alice, town.lamp)
    clock.advance(timedelta(hours=20))  # the first report is now more than a day old
    assert (await reported(uow, town, town.people.alice, town.lamp)).status == "reported"


async def test_a_report_without_place_or_category_is_not_sent(uow: UnitOfWork, town: Town) -> None:
    draft = await open_draft(uow, person_id=town.people.alice)
    await add_photo(uow, person_id=town.people.alice, case_id=draft.id, photo=photo(7))
    await set_description(uow, person_id=town.people.alice, case_id=draft.id, text="x" * 900)
    with pytest.raises(CaseIncomplete):
        await submit(uow, person_id=town.people.alice, case_id=draft.id)


async def test_staff_stop_and_resume_a_resident_with_a_reason_in_the_audit_log(
    uow: UnitOfWork, town: Town
) -> None:
    alice = town.people.alice
    with pytest.raises(ReasonNeeded):
        await stop_reporting(uow, staff=town.people.deputy, person_id=alice, reason="  ")
    with pytest.raises(OutOfScope):  # grid 2's worker does not reach Alice at grid 1
        await stop_reporting(uow, staff=town.people.grid2, person_id=alice, reason="刷屏")
    draft = await open_draft(uow, person_id=alice)  # begun before the stop
    await stop_reporting(
        uow, staff=town.people.deputy, person_id=alice, reason="一天发了几十张无关照片"
    )
    with pytest.raises(ReportingStopped):
        await submit(uow, person_id=alice, case_id=draft.id)
    await resume_reporting(uow, staff=town.people.deputy, person_id=alice)
    assert (await reported(uow, town, alice, town.lamp)).status == "reported"
    async with uow.read() as session:
        trail = list(
            await session.execute(
                select(AuditEntry.action, AuditEntry.reason, AuditEntry.actor_staff_id)
                .where(AuditEntry.target == f"person:{alice}")
                .order_by(AuditEntry.id)
            )
        )
    assert [tuple(row) for row in trail if row[0].startswith("cases.")] == [
        ("cases.reporting_stopped", "一天发了几十张无关照片", town.people.deputy.id),
        ("cases.reporting_resumed", None, town.people.deputy.id),
    ]
