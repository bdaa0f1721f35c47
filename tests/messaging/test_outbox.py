"""The outbox and its claims, on the real database (no Telegram here)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.messaging import delivery
from rewards.messaging.delivery import Pace
from rewards.messaging.models import OutboxChat, OutboxMessage, SendPace
from rewards.messaging.outbox import notify
from rewards.messaging.quiet_hours import QuietHours

NOON = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
PACE = Pace(per_second=20)


def at(database: Database, moment: datetime) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(moment))


async def _notify(uow: UnitOfWork, chat_id: int, key: str = "help.text") -> None:
    async with uow.write() as session:
        await notify(session, chat_id=chat_id, key=key, locale="en", now=uow.now())


async def _statuses(database: Database) -> dict[int, str]:
    async with database.read() as session:
        rows = await session.execute(select(OutboxMessage.id, OutboxMessage.status))
        return dict(rows.all())


async def _claim(
    uow: UnitOfWork, limit: int = 10, quiet_hours: QuietHours | None = None
) -> list[delivery.Claimed]:
    return await delivery.claim(uow, worker="w1", limit=limit, pace=PACE, quiet_hours=quiet_hours)


async def test_a_message_commits_or_rolls_back_with_the_change_it_reports(
    database: Database,
) -> None:
    uow = at(database, NOON)
    with pytest.raises(RuntimeError):
        async with uow.write() as session:
            await notify(session, chat_id=5, key="help.text", locale="en", now=NOON)
            raise RuntimeError("the change failed")
    assert await _statuses(database) == {}
    await _notify(uow, 5)
    assert list((await _statuses(database)).values()) == ["pending"]


async def test_a_late_send_moves_its_chats_next_message_on_too(database: Database) -> None:
    """A message that missed its slot goes at a later one; the chat's next message must
    keep its gap from that later send, not from the missed slot."""
    uow = at(database, NOON)
    for _ in range(2):
        await _notify(uow, 1)
    [first] = await _claim(uow)
    late = at(database, first.slot_at + timedelta(seconds=5))  # the worker was stuck
    slot = await delivery.new_slot(late, worker="w1", message_id=first.id, pace=PACE)
    assert slot >= first.slot_at + timedelta(seconds=5)
    assert await _claim(at(database, first.slot_at + PACE.chat_gap(1))) == []
    [second] = await _claim(at(database, slot + PACE.chat_gap(1)))
    assert second.id != first.id
    assert second.slot_at >= slot + PACE.chat_gap(1)


async def test_a_claim_takes_one_message_per_chat_on_evenly_spaced_slots(
    database: Database,
) -> None:
    uow = at(database, NOON)
    for chat in (1, 1, 2, 3):
        await _notify(uow, chat)
    claimed = await _claim(uow)
    assert [c.chat_id for c in claimed] == [1, 2, 3]
    gaps = {b.slot_at - a.slot_at for a, b in itertools.pairwise(claimed)}
    assert gaps == {timedelta(seconds=1 / 20)}
    # Chat 1's second message waits for the chat's gap (a second and a margin for the
    # journey), counted from its slot.
    assert PACE.chat_gap(1) > timedelta(seconds=1)
    assert await _claim(uow) == []
    assert await _claim(at(database, claimed[0].slot_at + timedelta(seconds=1))) == []
    later = await _claim(at(database, claimed[0].slot_at + PACE.chat_gap(1)))
    assert [c.chat_id for c in later] == [1]
    # The next claim continues the bot's schedule instead of starting a second one.
    assert later[0].slot_at >= claimed[-1].slot_at + timedelta(seconds=1 / 20)
    async with database.read() as session:
        sending = await session.scalar(
            select(func.count()).where(OutboxMessage.status == "sending")
        )
    assert sending == 4


async def test_notices_go_before_broadcasts_and_quiet_hours_hold_broadcasts_back(
    database: Database,
) -> None:
    from rewards.messaging.broadcasts import start_broadcast

    night = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    quiet = QuietHours.parse("22:00-07:00", "Asia/Shanghai")
    uow = at(database, night)
    await start_broadcast(uow, text="停水通知", chat_ids=[10, 11], created_by="test")
    await start_broadcast(uow, text="紧急", chat_ids=[12], urgent=True, created_by="test")
    await _notify(uow, 13)
    claimed = await _claim(uow, quiet_hours=quiet)
    assert [(c.chat_id, c.text) for c in claimed] == [(13, None), (12, "紧急")]
    morning = await _claim(at(database, night + timedelta(hours=8)), quiet_hours=quiet)
    assert sorted(c.chat_id for c in morning) == [10, 11]


async def test_a_blocked_chat_skips_its_messages_until_the_user_returns(
    database: Database,
) -> None:
    uow = at(database, NOON)
    await _notify(uow, 7)
    await _notify(uow, 7)
    [first] = await _claim(uow)
    await delivery.record_unreachable(
        uow, worker="w1", message_id=first.id, chat_id=7, reason="Forbidden: bot was blocked"
    )
    await _notify(uow, 7)
    assert sorted((await _statuses(database)).values()) == ["unreachable"] * 3
    await delivery.chat_returned(uow, chat_id=7)
    await _notify(uow, 7)
    assert sorted((await _statuses(database)).values()) == ["pending"] + ["unreachable"] * 3


async def test_429_pauses_the_whole_bot_and_the_message_goes_again(database: Database) -> None:
    uow = at(database, NOON)
    await _notify(uow, 1)
    await _notify(uow, 2)
    [one, two] = await _claim(uow)
    await delivery.record_retry_after(uow, worker="w1", message_id=one.id, seconds=7)
    async with database.read() as session:
        pace = await session.get(SendPace, delivery.PACE_ROW)
    assert pace is not None
    assert pace.paused_until == NOON + timedelta(seconds=7)
    await _notify(uow, 3)
    later = await _claim(at(database, NOON + timedelta(seconds=8)))
    assert [c.chat_id for c in later] == [1, 3]
    assert all(c.slot_at >= NOON + timedelta(seconds=7) for c in later)
    assert two.id not in {c.id for c in later}


async def test_transient_failures_back_off_then_fail_for_good(database: Database) -> None:
    pace = Pace(per_second=20, max_attempts=2, first_backoff=timedelta(seconds=5))
    uow = at(database, NOON)
    await _notify(uow, 1)
    [first] = await _claim(uow)
    await delivery.record_failure(
        uow, worker="w1", message_id=first.id, reason="Bad Gateway", permanent=False, pace=pace
    )
    assert await _claim(at(database, NOON + timedelta(seconds=4))) == []
    [again] = await _claim(at(database, NOON + timedelta(seconds=6)))
    await delivery.record_failure(
        uow, worker="w1", message_id=again.id, reason="Bad Gateway", permanent=False, pace=pace
    )
    async with database.read() as session:
        message = await session.get(OutboxMessage, first.id)
    assert message is not None
    assert (message.status, message.attempts, message.error) == ("failed", 2, "Bad Gateway")


async def test_a_silent_workers_messages_go_to_another_worker(database: Database) -> None:
    uow = at(database, NOON)
    await delivery.heartbeat(uow, worker="w1")
    await _notify(uow, 1)
    [claimed] = await _claim(uow)

    async def requeue(moment: datetime) -> int:
        async with at(database, moment).write() as session:
            return await delivery.requeue_abandoned(session, now=moment, pace=PACE)

    assert await requeue(NOON + PACE.silence - timedelta(seconds=1)) == 0
    await delivery.heartbeat(at(database, NOON + PACE.silence), worker="w1")  # still alive
    assert await requeue(NOON + PACE.silence * 2 - timedelta(seconds=1)) == 0
    silent = NOON + PACE.silence * 2 + timedelta(seconds=1)
    assert await requeue(silent) == 1
    [retaken] = await delivery.claim(
        at(database, silent), worker="w2", limit=5, pace=PACE, quiet_hours=None
    )
    assert retaken.id == claimed.id
    # The worker that was given up on cannot record over the next worker's claim.
    assert not await delivery.record_sent(
        uow, worker="w1", message_id=claimed.id, telegram_message_id=1
    )
    assert await delivery.record_sent(
        uow, worker="w2", message_id=claimed.id, telegram_message_id=2
    )
    async with database.read() as session:
        chats = await session.scalar(select(func.count()).select_from(OutboxChat))
    assert chats == 1


async def test_a_lease_runs_out_even_for_a_worker_that_seems_alive(database: Database) -> None:
    uow = at(database, NOON)
    await _notify(uow, 1)
    [claimed] = await _claim(uow)
    late = claimed.slot_at + PACE.lease + timedelta(seconds=1)
    await delivery.heartbeat(at(database, late), worker="w1")
    async with at(database, late).write() as session:
        assert await delivery.requeue_abandoned(session, now=late, pace=PACE) == 1
