"""Telling the reporter of every step of their case, in their language, through the outbox
(so the message goes out only once the step committed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewards.cases.lifecycle import Move, Status
from rewards.cases.models import Case
from rewards.messaging.outbox import notify
from rewards.people.models import Person
from rewards.people.residents import telegram_chat

FEEDBACK_PREFIX = "cf"


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
        reply_markup=_buttons(case.id, move.after),
    )


def _buttons(case_id: int, status: Status) -> dict[str, Any] | None:
    """Stars for a closed case; "still not fixed" for a fix to look at. The bot reads
    "cf:<case>:<stars>" back (0 stars: not fixed; bot.callbacks.CaseFeedback)."""
    if status is Status.CLOSED:
        stars = [
            {"text": "⭐" * n, "callback_data": f"{FEEDBACK_PREFIX}:{case_id}:{n}"}
            for n in range(1, 6)
        ]
        return {"inline_keyboard": [stars[:3], stars[3:]]}
    if status is Status.HANDLED:
        button = {
            "text_key": "cases.button.not_fixed",
            "callback_data": f"{FEEDBACK_PREFIX}:{case_id}:0",
        }
        return {"inline_keyboard": [[button]]}
    return None
