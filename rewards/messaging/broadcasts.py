"""Broadcasts: one text to many chats, through the outbox, with live progress.

Staff can pause, resume or cancel a broadcast while it goes out; what was sent stays sent.
A broadcast that is not urgent waits through quiet hours (see rewards.messaging.delivery).
Choosing the audience (community, grid, team, role) belongs to the people's side; here a
broadcast takes the chat ids.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import (
    BroadcastFinished,
    BroadcastTooLong,
    EmptyBroadcast,
    OutOfScope,
    UnknownBroadcast,
)
from rewards.messaging.models import PRIORITY_BROADCAST, Broadcast, OutboxMessage
from rewards.messaging.outbox import enqueue
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

MAX_TEXT = 4096  # Telegram's limit for one message, in characters
WAITING = ("pending", "sending", "paused")


@dataclass(frozen=True)
class BroadcastProgress:
    id: int
    state: str  # active | paused | cancelled
    recipients: int
    waiting: int
    sent: int
    failed: int
    unreachable: int
    cancelled: int

    @property
    def finished(self) -> bool:
        return self.waiting == 0


async def start_broadcast(
    uow: UnitOfWork,
    *,
    text: str,
    chat_ids: list[int],
    urgent: bool = False,
    created_by: str,
    actor_staff_id: int | None = None,
) -> int:
    """Queue `text` for every chat (each once); returns the broadcast's id."""
    text = text.strip()
    chats = sorted(set(chat_ids))
    if not text or not chats:
        raise EmptyBroadcast()
    if len(text) > MAX_TEXT:
        raise BroadcastTooLong(limit=MAX_TEXT)
    async with uow.write() as session:
        now = uow.now()
        broadcast = Broadcast(
            text=text, urgent=urgent, created_by=created_by, created_at=now, recipients=len(chats)
        )
        session.add(broadcast)
        await session.flush()
        await enqueue(
            session,
            [
                OutboxMessage(
                    chat_id=chat,
                    kind="text",
                    text=text,
                    priority=PRIORITY_BROADCAST,
                    quiet=not urgent,
                    broadcast_id=broadcast.id,
                    due_at=now,
                    created_at=now,
                )
                for chat in chats
            ],
        )
        record_audit(
            session,
            at=now,
            actor_staff_id=actor_staff_id,
            action="broadcast.start",
            target=f"broadcast:{broadcast.id}",
            unit_path=None,  # its audience may span the tree
            details={"recipients": len(chats), "urgent": urgent, "created_by": created_by},
        )
        return broadcast.id


async def pause_broadcast(uow: UnitOfWork, broadcast_id: int, *, actor: int | None = None) -> None:
    """Messages not yet claimed wait; those a worker already holds still go."""
    await _change(uow, broadcast_id, actor, state="paused", moving=("pending",), to="paused")


async def resume_broadcast(
    uow: UnitOfWork, broadcast_id: int, *, actor: int | None = None
) -> None:
    await _change(uow, broadcast_id, actor, state="active", moving=("paused",), to="pending")


async def cancel_broadcast(
    uow: UnitOfWork, broadcast_id: int, *, actor: int | None = None
) -> None:
    await _change(
        uow, broadcast_id, actor, state="cancelled", moving=("pending", "paused"), to="cancelled"
    )


async def _change(
    uow: UnitOfWork,
    broadcast_id: int,
    actor: int | None,
    *,
    state: str,
    moving: tuple[str, ...],
    to: str,
) -> None:
    async with uow.write() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None:
            raise UnknownBroadcast(id=broadcast_id)
        if broadcast.state == "cancelled":
            raise BroadcastFinished(id=broadcast_id)
        broadcast.state = state
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status.in_(moving))
            .values(status=to)
        )
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=actor,
            action=f"broadcast.{state}",
            target=f"broadcast:{broadcast_id}",
            unit_path=None,
        )


def sender_of(staff: StaffView) -> str:
    """A staff member's broadcasts are theirs to see and steer (`created_by`)."""
    return f"staff:{staff.id}"


async def broadcast_progress(
    uow: UnitOfWork, broadcast_id: int, *, staff: StaffView | None = None
) -> BroadcastProgress:
    """Counts by outcome: what a page polls to draw its progress bar and the final report.
    With `staff`, only for a broadcast they made, while their role still broadcasts.
    Raises unknown_broadcast, out_of_scope."""
    async with uow.read() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None:
            raise UnknownBroadcast(id=broadcast_id)
        if staff is not None:
            _require_own(staff, broadcast)
        rows = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.broadcast_id == broadcast_id)
            .group_by(OutboxMessage.status)
        )
        counts = Counter({status: int(count) for status, count in rows})
    return BroadcastProgress(
        id=broadcast_id,
        state=broadcast.state,
        recipients=broadcast.recipients,
        waiting=sum(counts[status] for status in WAITING),
        sent=counts["sent"],
        failed=counts["failed"],
        unreachable=counts["unreachable"],
        cancelled=counts["cancelled"],
    )


@dataclass(frozen=True)
class BroadcastSummary:
    id: int
    text: str
    urgent: bool
    state: str
    recipients: int
    created_at: datetime


def _require_own(staff: StaffView, broadcast: Broadcast) -> None:
    staff.require_somewhere(Action.BROADCAST)
    if broadcast.created_by != sender_of(staff):
        raise OutOfScope()


async def broadcasts_by(
    uow: UnitOfWork, staff: StaffView, *, limit: int = 20
) -> list[BroadcastSummary]:
    """The newest broadcasts the staff member made. Raises out_of_scope for a role that
    may not broadcast."""
    staff.require_somewhere(Action.BROADCAST)
    created_by = sender_of(staff)
    async with uow.read() as session:
        rows = (
            await session.scalars(
                select(Broadcast)
                .where(Broadcast.created_by == created_by)
                .order_by(Broadcast.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        BroadcastSummary(b.id, b.text, b.urgent, b.state, b.recipients, b.created_at) for b in rows
    ]


async def require_own_broadcast(uow: UnitOfWork, staff: StaffView, broadcast_id: int) -> None:
    """Before steering: the staff member made it and may still broadcast. Raises
    unknown_broadcast, out_of_scope."""
    async with uow.read() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise UnknownBroadcast(id=broadcast_id)
    _require_own(staff, broadcast)
