"""Telling a resident that their points changed, through the outbox (after the commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.service import balance
from rewards.messaging.outbox import notify
from rewards.people.models import Person
from rewards.people.residents import telegram_chat


def describe(details: dict[str, Any], locale: str) -> str:
    """The category and action a change was made for ("清洁卫生 · 打扫楼道"), in the
    reader's language when staff gave one, or the reason of a manual adjustment."""
    english = locale.startswith("en")

    def pick(name: str) -> str:
        return str((english and details.get(f"{name}_en")) or details.get(name) or "")

    parts = [pick("category"), pick("action")] if details.get("action") else [pick("reason")]
    return " · ".join(part for part in parts if part)


async def tell_resident(
    session: AsyncSession,
    *,
    person_id: int,
    wallet_id: int,
    details: dict[str, Any],
    points: int,
    asked_points: int,
    now: datetime,
    key: str | None = None,
) -> None:
    """Queue "your points changed" (by `points`, signed) for the resident, with the new
    balance of `wallet_id`; nothing for a person who never wrote to the bot. `key` names
    the message when the move alone does not say it (points.undone, points.expired)."""
    chat_id = await telegram_chat(session, person_id)
    person = await session.get(Person, person_id)
    if chat_id is None or person is None:
        return
    key = key or _message_for(points, asked_points)
    if key is None:
        return
    await notify(
        session,
        chat_id=chat_id,
        key=key,
        locale=person.language,
        now=now,
        params={
            "what": describe(details, person.language),
            "points": abs(points),
            "balance": await balance(session, wallet_id),
        },
    )


def _message_for(points: int, asked_points: int) -> str | None:
    if points > 0:
        return "points.awarded"
    if points < 0:
        return "points.deducted"
    if asked_points < 0:
        return "points.nothing_taken"  # a deduction from an empty wallet
    return None
