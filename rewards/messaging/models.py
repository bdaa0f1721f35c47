"""What the bank has to tell people, kept until Telegram has taken it (a transactional outbox).

A service that changes something writes the message in the same transaction as the change:
a rollback takes the message with it, a commit keeps it until a worker has sent it. The
worker claims due messages (rows locked with SKIP LOCKED on PostgreSQL, so several workers
never take the same one), sends them within Telegram's limits and records the outcome.

A message is sent once, except in one window: a worker that dies after Telegram accepted a
message and before the outcome was committed leaves it "sending"; once the worker has been
silent for a few seconds (or its lease ran out) another worker sends it again. The Bot API
has no idempotency key that would let us ask whether the first one arrived.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, text
from sqlalchemy import Text as TextType
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BigIntId, id_column

# Notifications about a resident's own affairs go before broadcasts.
PRIORITY_NOTICE = 0
PRIORITY_BROADCAST = 1


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The worker's claim: due pending messages, most urgent and oldest first.
        Index(
            "ix_outbox_messages_due",
            "priority",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_outbox_messages_chat_status", "chat_id", "status"),
        Index("ix_outbox_messages_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = id_column()
    # A private chat (the user's id), or a group or channel (negative ids).
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # "text" or "photo"
    # Either a catalogue key rendered at sending time in `locale` (the product's own
    # texts), or verbatim text that staff wrote (a broadcast), sent without markup.
    text_key: Mapped[str | None] = mapped_column(String(80))
    text_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    locale: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(TextType)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_NOTICE)
    # Held back during quiet hours (a broadcast that is not urgent).
    quiet: Mapped[bool] = mapped_column(default=False)
    broadcast_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("broadcasts.id"))
    # pending → sending → sent | failed | unreachable; pending ⇄ paused; → cancelled.
    status: Mapped[str] = mapped_column(String(12), default="pending")
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(300))


class OutboxChat(Base):
    """Per chat: when the next message may go, and whether the chat still takes any."""

    __tablename__ = "outbox_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    next_send_at: Mapped[datetime]
    # Set when Telegram answered 403 (the user blocked the bot, or it left the group);
    # cleared when the user comes back.
    unreachable_since: Mapped[datetime | None]
    unreachable_reason: Mapped[str | None] = mapped_column(String(300))


class SendPace(Base):
    """The bot's one sending schedule, shared by every worker: each message takes the next
    free slot, so all workers together stay under Telegram's per-bot limit."""

    __tablename__ = "outbox_pace"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    next_slot_at: Mapped[datetime]
    # After a 429 nobody sends until then (Telegram's retry_after applies to the bot).
    paused_until: Mapped[datetime | None]


class Broadcast(Base):
    """One text to many chats; its messages are outbox rows that point here."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = id_column()
    text: Mapped[str] = mapped_column(TextType)
    urgent: Mapped[bool] = mapped_column(default=False)
    # active | paused | cancelled; "finished" is read from its messages.
    state: Mapped[str] = mapped_column(String(12), default="active")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)


class OutboxWorker(Base):
    """A sending worker's sign of life: messages held by a worker that went silent (killed,
    or its machine lost) are handed to the others within seconds, not after the lease."""

    __tablename__ = "outbox_workers"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime]
