"""Points that lapse after so many months, oldest first, by the daily job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.jobs.scheduler import Recurring, ensure_recurring, run_due_job
from core.uow import UnitOfWork
from ledger.models import Entry
from ledger.verify import verify
from moralbank.worker import Worker
from rewards.messaging.models import OutboxMessage
from rewards.points.corrections import adjust
from rewards.points.expiry import JOB_KIND, expire_points, months_before
from rewards.points.rules import PointTypeDraft, save_point_type, save_rule
from rewards.points.wallet import my_wallet
from tests.rewards.community import (
    APPROVAL_ABOVE,
    ZONE,
    Community,
    add_resident,
    build_community,
    rule,
)

JAN = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 6, 1, tzinfo=UTC), 3, datetime(2026, 3, 1, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), 3, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 2, 15, tzinfo=UTC), 14, datetime(2024, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected


async def at(database: Database, moment: datetime) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(moment))


async def volunteer_balance(uow: UnitOfWork, person_id: int) -> int:
    wallet = await my_wallet(uow, person_id=person_id, locale="zh_Hans", zone=ZONE)
    return sum(b.balance for b in wallet.balances if b.point_type == "volunteer")


async def test_the_oldest_points_lapse_first_and_only_once(database: Database) -> None:
    january = await at(database, JAN)
    town: Community = await build_community(january)
    await save_point_type(
        january,
        staff=town.admin,
        draft=PointTypeDraft(code="volunteer", name="志愿积分", value_fen=200, expiry_months=3),
    )
    await save_rule(
        january,
        staff=town.admin,
        draft=rule("serve", points=10, point_type="volunteer"),
        approval_above=APPROVAL_ABOVE,
    )

    async def change(moment: datetime, points: int, key: str) -> None:
        await adjust(
            await at(database, moment),
            staff=town.admin,
            person_id=town.alice,
            point_type="volunteer",
            points=points,
            reason="记录",
            request_key=key,
            approval_above=100,
            zone=ZONE,
        )

    await change(JAN, 10, "jan")  # granted in January
    await change(datetime(2026, 2, 1, tzinfo=UTC), -4, "feb")  # spent from January's
    await change(datetime(2026, 5, 10, tzinfo=UTC), 5, "may")  # granted in May

    async def run_job(moment: datetime) -> int:
        async with database.write() as session:
            return await expire_points(session, now=moment)

    june = datetime(2026, 6, 1, tzinfo=UTC)  # cut-off 1 March: January's 6 left lapse
    assert await run_job(june) == 1
    assert await run_job(june) == 0  # nothing is due twice
    assert await volunteer_balance(await at(database, june), town.alice) == 5
    september = datetime(2026, 9, 1, tzinfo=UTC)  # cut-off 1 June: May's 5 lapse
    assert await run_job(september) == 1
    assert await volunteer_balance(await at(database, september), town.alice) == 0
    async with database.read() as session:
        assert await verify(session) == []
        expired = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.text_key == "points.expired")
            )
        ).all()
    assert [(m.text_params or {}).get("points") for m in expired] == [6, 5]
    wallet = await my_wallet(
        await at(database, september), person_id=town.alice, locale="zh_Hans", zone=ZONE
    )
    assert [(line.kind, line.amount) for line in wallet.lines[:2]] == [
        ("expiry", -5),
        ("expiry", -6),
    ]


async def test_points_without_an_expiry_never_lapse(database: Database) -> None:
    january = await at(database, JAN)
    town = await build_community(january)
    await adjust(
        january, staff=town.admin, person_id=town.alice, point_type="moral", points=7,
        reason="记录", request_key="k", approval_above=100, zone=ZONE,
    )  # fmt: skip
    async with database.write() as session:
        assert await expire_points(session, now=datetime(2030, 1, 1, tzinfo=UTC)) == 0


async def _many_wallets(database: Database, count: int) -> list[int]:
    """`count` residents, each granted 10 volunteer points in January (3 months' life)."""
    january = await at(database, JAN)
    town = await build_community(january)
    await save_point_type(
        january,
        staff=town.admin,
        draft=PointTypeDraft(code="volunteer", name="志愿积分", value_fen=200, expiry_months=3),
    )
    people = []
    for n in range(count):
        person = await add_resident(
            january, f"R{n}", town.units["grid-1"], 7000 + n, "zh_Hans", verified_by=town.admin
        )
        await adjust(
            january, staff=town.admin, person_id=person, point_type="volunteer", points=10,
            reason="记录", request_key=f"r{n}", approval_above=100, zone=ZONE,
        )  # fmt: skip
        people.append(person)
    return people


async def _lapsed(database: Database, people: list[int], moment: datetime) -> list[int]:
    """Each person's volunteer balance, and every expiry notice, at `moment`."""
    return [await volunteer_balance(await at(database, moment), p) for p in people]


async def _notices(database: Database) -> int:
    async with database.read() as session:
        assert await verify(session) == []
        return len(
            (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.text_key == "points.expired")
                )
            ).all()
        )


JUNE = datetime(2026, 6, 1, tzinfo=UTC)


async def test_expiry_over_many_wallets_goes_in_short_chunks(database: Database) -> None:
    people = await _many_wallets(database, 10)
    worker = Worker(database, FrozenClock(JUNE), chunk=3)
    await ensure_recurring(worker._uow(), [Recurring(JOB_KIND, timedelta(hours=6))])
    # One transaction per run: 3 + 3 + 3 + 1 wallets, then the look for another point type.
    assert await worker.run_once() == 5
    assert await _lapsed(database, people, JUNE) == [0] * 10
    assert await _notices(database) == 10
    async with database.write() as session:  # the same as one pass over every wallet
        assert await expire_points(session, now=JUNE) == 0


async def test_a_crash_between_chunks_leaves_the_books_whole_and_resumes(
    database: Database,
) -> None:
    people = await _many_wallets(database, 7)
    first = Worker(database, FrozenClock(JUNE), chunk=3)
    await ensure_recurring(first._uow(), [Recurring(JOB_KIND, timedelta(hours=6))])
    assert await run_due_job(first._uow(), first.handlers)  # one chunk, then the crash
    assert sorted(await _lapsed(database, people, JUNE)) == [0] * 3 + [10] * 4
    assert await _notices(database) == 3
    later = JUNE + timedelta(minutes=5)
    again = Worker(database, FrozenClock(later), chunk=3)  # the next worker goes on
    assert await again.run_once() == 3  # 3 + 1 wallets, then the end
    assert await _lapsed(database, people, later) == [0] * 7
    assert await _notices(database) == 7  # nobody told twice, nobody skipped
    async with database.read() as session:
        keys = (
            await session.scalars(select(Entry.idempotency_key).where(Entry.kind == "expiry"))
        ).all()
    assert len(keys) == 7
    assert all(key.endswith(JUNE.isoformat()) for key in keys)  # one run's cut-off
