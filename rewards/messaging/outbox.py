"""Putting a message in the outbox: what every service calls to tell someone something.

Call it with the session of the change the message reports, so both commit or neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.sql import insert_ignoring_conflicts
from rewards.messaging.models import PRIORITY_NOTICE, OutboxChat, OutboxMessage

# What a message's chat becomes once its person left (Telegram has no chat 0): the row
# stays, so a broadcast's report still counts it.
ERASED_CHAT = 0


async def notify(
    session: AsyncSession,
    *,
    chat_id: int,
    key: str,
    locale: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    photo: bytes | None = None,
    reply_markup: dict[str, Any] | None = None,
) -> OutboxMessage:
    """A text from the catalogues (`key` with `params`, rendered in `locale` when it is
    sent), or a photo with it as the caption."""
    message = OutboxMessage(
        chat_id=chat_id,
        kind="photo" if photo is not None else "text",
        text_key=key,
        text_params=params or {},
        locale=locale,
        photo=photo,
        reply_markup=reply_markup,
        priority=PRIORITY_NOTICE,
        due_at=now,
        created_at=now,
    )
    await enqueue(session, [message])
    return message


async def enqueue(session: AsyncSession, messages: list[OutboxMessage]) -> None:
    """Add messages; those for chats that no longer take messages are skipped at once."""
    chats = {message.chat_id for message in messages}
    unreachable = await _known_chats(session, chats)
    for message in messages:
        if unreachable.get(message.chat_id):
            message.status = "unreachable"
            message.error = unreachable[message.chat_id]
    new_chats = sorted(chats - unreachable.keys())
    if new_chats:
        # Another transaction may be adding the same chat: then its row stands.
        now = min(message.created_at for message in messages)
        await session.execute(
            insert_ignoring_conflicts(session, OutboxChat, on=["chat_id"]),
            [{"chat_id": chat, "next_send_at": now} for chat in new_chats],
        )
    session.add_all(messages)
    await session.flush()


# Built once: every notice (a receipt, an award) asks it.
_KNOWN_CHATS = select(
    OutboxChat.chat_id, OutboxChat.unreachable_since, OutboxChat.unreachable_reason
).where(OutboxChat.chat_id.in_(bindparam("chats", expanding=True)))


async def _known_chats(session: AsyncSession, chats: set[int]) -> dict[int, str | None]:
    """The chats that already have a row: chat id → why it is unreachable (None if not)."""
    known: dict[int, str | None] = {}
    ordered = sorted(chats)
    # Chunks keep the parameter count within every database's limit.
    for start in range(0, len(ordered), 500):
        rows = await session.execute(_KNOWN_CHATS, {"chats": ordered[start : start + 500]})
        for chat_id, since, reason in rows:
            known[chat_id] = (reason or "unreachable") if since is not None else None
    return known


async def forget_chat(session: AsyncSession, *, chat_id: int) -> None:
    """The person behind a private chat left the bank: what still waits for them is
    cancelled, and no message to them keeps the chat's id or what it said (a broadcast's
    text stays with the broadcast). A message a worker holds at this moment may still go;
    its outcome is no longer recorded."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status.in_(("pending", "paused", "sending")),
        )
        .values(status="cancelled", claimed_by=None, lease_until=None)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id)
        .values(chat_id=ERASED_CHAT, text=None, text_params=None, photo=None, reply_markup=None)
    )
    await session.execute(delete(OutboxChat).where(OutboxChat.chat_id == chat_id))
