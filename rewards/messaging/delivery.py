"""Taking messages out of the outbox and recording what Telegram made of them.

The sending worker (bot.outbox_sender) calls these; each is one short transaction, and no
lock is held while a message travels to Telegram.

Pace. Telegram allows a bot about 30 messages a second, one a second per private chat and
20 a minute per group. A claim takes due messages of chats that are free (one per chat),
gives each the next slot of the bot's one schedule (`outbox_pace`, locked for the moment
of the claim, so every worker draws from the same schedule) and moves the chat's next
free time past that slot. The bot's replies take their slots from the same schedule
(`reply_slots`). A 429 pauses the whole schedule for its retry_after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.sql import insert_ignoring_conflicts
from core.uow import UnitOfWork
from rewards.messaging.models import OutboxChat, OutboxMessage, OutboxWorker, SendPace
from rewards.messaging.quiet_hours import QuietHours

PACE_ROW = 1

# Pending messages, as the claim and the queue's gauges find them: through the partial
# index ix_outbox_messages_due, so the cost follows the queue, never the millions of
# messages already sent. The status is written into the statement: PostgreSQL's generic
# plans (core.db) cannot match a parameter to the index's WHERE.
PENDING = OutboxMessage.status == literal("pending", literal_execute=True)


@dataclass(frozen=True)
class Pace:
    # A little under Telegram's 30/s: its count and ours never start the second together.
    per_second: float = 28.0
    # A send this late for its slot (the process was busy) takes a new slot instead: sent
    # late, it would crowd the next ones into the same second of Telegram's count.
    late_tolerance: timedelta = timedelta(milliseconds=20)
    private_chat_gap: timedelta = timedelta(seconds=1)
    group_chat_gap: timedelta = timedelta(seconds=3)  # 20 a minute
    # Telegram counts a chat's sends when they arrive. One send may leave late by the
    # tolerance and travel slower than the next, so a chat's gap carries this margin:
    # without it two sends a bare second apart by our clock can land closer by Telegram's.
    chat_gap_margin: timedelta = timedelta(milliseconds=150)
    # How long a claimed message stays with its worker before another may take it over,
    # even if the worker still shows signs of life (it may hang). Longer than a request to
    # Telegram may take, so that a slow answer is not taken for a lost one.
    lease: timedelta = timedelta(minutes=5)
    # A worker that has not said it is alive for this long is taken for dead.
    silence: timedelta = timedelta(seconds=10)
    max_attempts: int = 6
    first_backoff: timedelta = timedelta(seconds=5)
    longest_backoff: timedelta = timedelta(minutes=10)

    def chat_gap(self, chat_id: int) -> timedelta:
        gap = self.private_chat_gap if chat_id > 0 else self.group_chat_gap
        return gap + self.chat_gap_margin

    def backoff(self, attempts: int) -> timedelta:
        growing: timedelta = self.first_backoff * 2 ** max(attempts - 1, 0)
        return min(growing, self.longest_backoff)


@dataclass(frozen=True)
class Claimed:
    """A message a worker now holds, with the moment it may be sent."""

    id: int
    chat_id: int
    kind: str
    text_key: str | None
    text_params: dict[str, Any]
    locale: str | None
    text: str | None
    photo: bytes | None
    reply_markup: dict[str, Any] | None
    slot_at: datetime


async def claim(
    uow: UnitOfWork, *, worker: str, limit: int, pace: Pace, quiet_hours: QuietHours | None
) -> list[Claimed]:
    """Up to `limit` due messages, at most one per chat, each with its sending slot."""
    async with uow.write() as session:
        now = uow.now()
        quiet = quiet_hours is not None and quiet_hours.contains(now)
        candidates = await _due(session, now, limit * 4, quiet=quiet)
        chosen = _one_per_chat(candidates, limit)
        if not chosen:
            return []
        slots = await _reserve_slots(session, len(chosen), now, pace)
        lease_until = slots[-1] + pace.lease
        for message, slot in zip(chosen, slots, strict=True):
            message.status = "sending"
            message.claimed_by = worker
            message.lease_until = lease_until
            message.attempts += 1
            await _hold_chat(session, message.chat_id, slot + pace.chat_gap(message.chat_id))
        return [_claimed(message, slot) for message, slot in zip(chosen, slots, strict=True)]


async def _due(
    session: AsyncSession, now: datetime, scan: int, *, quiet: bool
) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .join(OutboxChat, OutboxChat.chat_id == OutboxMessage.chat_id)
        .where(
            PENDING,
            OutboxMessage.due_at <= now,
            OutboxChat.next_send_at <= now,
            OutboxChat.unreachable_since.is_(None),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(scan)
        # Rows another worker is claiming are skipped, not waited for (PostgreSQL; SQLite
        # has one writer at a time anyway).
        .with_for_update(of=[OutboxMessage, OutboxChat], skip_locked=True)
    )
    if quiet:
        query = query.where(OutboxMessage.quiet.is_(False))
    return list((await session.scalars(query)).all())


def _one_per_chat(candidates: list[OutboxMessage], limit: int) -> list[OutboxMessage]:
    chosen: dict[int, OutboxMessage] = {}
    for message in candidates:
        if message.chat_id not in chosen:
            chosen[message.chat_id] = message
            if len(chosen) == limit:
                break
    return list(chosen.values())


async def _reserve_slots(
    session: AsyncSession, count: int, now: datetime, pace: Pace
) -> list[datetime]:
    row = await _pace_row(session, now)
    start = max(row.next_slot_at, now, row.paused_until or now)
    step = timedelta(seconds=1 / pace.per_second)
    row.next_slot_at = start + step * count
    return [start + step * n for n in range(count)]


_LOCK_PACE = select(SendPace).where(SendPace.id == PACE_ROW).with_for_update()


async def _pace_row(session: AsyncSession, now: datetime) -> SendPace:
    """The schedule's row, locked; made by the first sender ever (one statement fewer for
    every sender after it: replies take a slot each)."""
    row = await session.scalar(_LOCK_PACE)
    if row is None:
        await session.execute(
            insert_ignoring_conflicts(session, SendPace, on=["id"]),
            [{"id": PACE_ROW, "next_slot_at": now}],
        )
        row = await session.scalar(_LOCK_PACE)
    assert row is not None
    return row


async def reply_slots(uow: UnitOfWork, count: int, *, pace: Pace) -> list[datetime]:
    """`count` slots of the shared schedule for replies to residents, sent outside the
    outbox. They are the next free ones: after the few slots already given to claimed
    messages (under a second's worth) and after any pause, never behind the outbox's
    queue, and the claims after them start later, so replies and the outbox together keep
    to `pace.per_second`. One transaction for many replies: the schedule's row is locked
    by every sender, so one lock a reply would queue replies behind one another."""
    async with uow.write() as session:
        return await _reserve_slots(session, count, uow.now(), pace)


async def paused_until(uow: UnitOfWork) -> datetime | None:
    """Until when Telegram asked the bot to wait (a 429), if it ever did."""
    async with uow.read() as session:
        return await session.scalar(select(SendPace.paused_until).where(SendPace.id == PACE_ROW))


async def new_slot(uow: UnitOfWork, *, worker: str, message_id: int, pace: Pace) -> datetime:
    """A later slot for a message whose worker missed its first one."""
    async with uow.write() as session:
        [slot] = await _reserve_slots(session, 1, uow.now(), pace)
        chat_id = await session.scalar(
            update(OutboxMessage)
            .where(_held_by(worker, message_id))
            .values(lease_until=slot + pace.lease)
            .returning(OutboxMessage.chat_id)
        )
        if chat_id is not None:
            # The chat's next message waits for a gap after this later send, too.
            await _hold_chat(session, chat_id, slot + pace.chat_gap(chat_id))
        return slot


async def _hold_chat(session: AsyncSession, chat_id: int, until: datetime) -> None:
    """No message to the chat before `until` (a later hold already there stays)."""
    await session.execute(
        update(OutboxChat)
        .where(OutboxChat.chat_id == chat_id, OutboxChat.next_send_at < until)
        .values(next_send_at=until)
    )


def _claimed(message: OutboxMessage, slot: datetime) -> Claimed:
    return Claimed(
        id=message.id,
        chat_id=message.chat_id,
        kind=message.kind,
        text_key=message.text_key,
        text_params=dict(message.text_params or {}),
        locale=message.locale,
        text=message.text,
        photo=message.photo,
        reply_markup=message.reply_markup,
        slot_at=slot,
    )


def _held_by(worker: str, message_id: int) -> Any:
    """The message, if this worker still holds it (its lease may have passed to another)."""
    return and_(
        OutboxMessage.id == message_id,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_by == worker,
    )


async def record_sent(
    uow: UnitOfWork, *, worker: str, message_id: int, telegram_message_id: int
) -> bool:
    """False when the worker no longer held the message (then another may send it too)."""
    async with uow.write() as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(_held_by(worker, message_id))
            .values(
                status="sent",
                sent_at=uow.now(),
                telegram_message_id=telegram_message_id,
                lease_until=None,
                error=None,
            )
        )
    return _rowcount(result) == 1


async def record_retry_after(
    uow: UnitOfWork, *, worker: str, message_id: int, seconds: float
) -> None:
    """Telegram said "too many requests": the whole bot waits, the message goes again."""
    async with uow.write() as session:
        until = await _pause(session, uow.now(), seconds)
        await session.execute(
            update(OutboxMessage)
            .where(_held_by(worker, message_id))
            .values(status="pending", due_at=until, lease_until=None, claimed_by=None)
        )


async def pause(uow: UnitOfWork, *, seconds: float) -> None:
    """Telegram answered a reply with 429: every sender waits, as for the outbox's own."""
    async with uow.write() as session:
        await _pause(session, uow.now(), seconds)


async def _pause(session: AsyncSession, now: datetime, seconds: float) -> datetime:
    until = now + timedelta(seconds=seconds)
    row = await _pace_row(session, now)
    row.paused_until = max(row.paused_until or until, until)
    row.next_slot_at = max(row.next_slot_at, until)
    return until


async def record_failure(
    uow: UnitOfWork,
    *,
    worker: str,
    message_id: int,
    reason: str,
    permanent: bool,
    pace: Pace,
) -> None:
    """A refusal that will not change (permanent) fails the message; anything else is
    tried again later, with growing pauses, until `pace.max_attempts`."""
    async with uow.write() as session:
        message = await session.scalar(select(OutboxMessage).where(_held_by(worker, message_id)))
        if message is None:
            return
        message.error = reason[:300]
        message.lease_until = None
        if permanent or message.attempts >= pace.max_attempts:
            message.status = "failed"
            return
        message.status = "pending"
        message.claimed_by = None
        message.due_at = uow.now() + pace.backoff(message.attempts)


async def release(uow: UnitOfWork, *, worker: str, message_id: int, reason: str) -> None:
    """Back in the queue as it was, the try not counted: the bot itself cannot send (its
    token was refused), which says nothing about the message."""
    async with uow.write() as session:
        await session.execute(
            update(OutboxMessage)
            .where(_held_by(worker, message_id))
            .values(
                status="pending",
                claimed_by=None,
                lease_until=None,
                attempts=OutboxMessage.attempts - 1,
                error=reason[:300],
            )
        )


async def record_unreachable(
    uow: UnitOfWork, *, worker: str, message_id: int, chat_id: int, reason: str
) -> None:
    """Telegram answered 403: the chat takes nothing until its user comes back, so this
    message and every other still waiting for the chat are skipped."""
    async with uow.write() as session:
        await session.execute(
            update(OutboxMessage)
            .where(_held_by(worker, message_id))
            .values(status="unreachable", error=reason[:300], lease_until=None)
        )
        await mark_unreachable(session, chat_id=chat_id, reason=reason, now=uow.now())


async def mark_unreachable(
    session: AsyncSession, *, chat_id: int, reason: str, now: datetime
) -> None:
    await session.execute(
        insert_ignoring_conflicts(session, OutboxChat, on=["chat_id"]),
        [{"chat_id": chat_id, "next_send_at": now}],
    )
    await session.execute(
        update(OutboxChat)
        .where(OutboxChat.chat_id == chat_id)
        .values(unreachable_since=now, unreachable_reason=reason[:300])
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status.in_(("pending", "paused")),
        )
        .values(status="unreachable", error=reason[:300])
    )


async def chat_blocked(uow: UnitOfWork, *, chat_id: int, reason: str) -> None:
    """Telegram told us the user blocked the bot (or the bot left the group)."""
    async with uow.write() as session:
        await mark_unreachable(session, chat_id=chat_id, reason=reason, now=uow.now())


async def chat_returned(uow: UnitOfWork, *, chat_id: int) -> None:
    """The user is back (unblocked the bot): new messages go to them again."""
    async with uow.write() as session:
        await session.execute(
            update(OutboxChat)
            .where(OutboxChat.chat_id == chat_id)
            .values(unreachable_since=None, unreachable_reason=None)
        )


async def heartbeat(uow: UnitOfWork, *, worker: str) -> None:
    """The sender says it is alive, every few seconds."""
    async with uow.write() as session:
        now = uow.now()
        await session.execute(
            insert_ignoring_conflicts(session, OutboxWorker, on=["worker_id"]),
            [{"worker_id": worker, "seen_at": now}],
        )
        await session.execute(
            update(OutboxWorker).where(OutboxWorker.worker_id == worker).values(seen_at=now)
        )


async def requeue_abandoned(
    session: AsyncSession, *, now: datetime, pace: Pace | None = None
) -> int:
    """Messages held by a worker that went silent, or whose lease ran out, become due
    again. One of them may have reached Telegram just before its worker died: the window
    in the module docstring of rewards.messaging.models. (A scheduled job: see
    moralbank.worker.)"""
    pace = pace or Pace()
    alive = select(OutboxWorker.worker_id).where(OutboxWorker.seen_at >= now - pace.silence)
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            or_(OutboxMessage.lease_until < now, OutboxMessage.claimed_by.not_in(alive)),
        )
        .values(status="pending", claimed_by=None, lease_until=None, due_at=now)
    )
    await session.execute(
        delete(OutboxWorker).where(OutboxWorker.seen_at < now - pace.silence * 100)
    )
    return _rowcount(result)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class QueueState:
    """How the outbox stands, for the operators' monitoring."""

    waiting: int  # pending messages, due now or later (a paused broadcast's are not)
    # When the longest-waiting message that may go now became due; None when none waits.
    oldest_due: datetime | None


async def queue_state(uow: UnitOfWork, *, quiet_hours: QuietHours | None) -> QueueState:
    """Both read through the partial index of pending messages (PENDING), so the cost
    follows the queue, never the millions of messages already sent. During quiet hours a
    broadcast held for them is not late."""
    async with uow.read() as session:
        now = uow.now()
        waiting = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(PENDING)
        )
        oldest = select(func.min(OutboxMessage.due_at)).where(PENDING, OutboxMessage.due_at <= now)
        if quiet_hours is not None and quiet_hours.contains(now):
            oldest = oldest.where(OutboxMessage.quiet.is_(False))
        oldest_due = await session.scalar(oldest)
    return QueueState(waiting=int(waiting or 0), oldest_due=oldest_due)
