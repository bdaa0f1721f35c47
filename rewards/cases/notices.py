"""Telling the reporter of every step of their case, in their language, through the outbox
(so the message goes out only once the step committed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rewards.cases.lifecycle import Move, Status
from rewards.cases.models import Case
from rewards.messaging.outbox import notify
from rewards.people.models import Person
from rewards.people.residents import telegram_chat


async def tell_reporter(
    session: AsyncSession, case: Case, move: Move, now: datetime, *, reason: str | None
) -> None:
    """`cases.<status>`: "your report No. 12 was verified", with the step's note when it
    has one (a rejection says which kind). Nothing for a reporter without a chat with the bot."""
    chat_id = await telegram_chat(session, case.reporter_id)
    reporter = await session.get(Person, case.reporter_id)
    if chat_id is None or reporter is None:
        return
    key = f"cases.{move.after.value}"
    if move.after is Status.REJECTED:  # invalid, a duplicate, or found false
        key = f"cases.rejected_{case.rejection_reason}"
    await notify(
        session,
        chat_id=chat_id,
        key=key,
        locale=reporter.language,
        now=now,
        params={"number": case.id, "reason": reason or ""},
    )
