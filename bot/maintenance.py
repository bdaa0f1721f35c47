"""Housekeeping of the adapter's own tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ProcessedUpdate


async def prune_processed_updates(session: AsyncSession, *, before: datetime) -> int:
    """Forget update ids recorded before `before`; Telegram stops redelivering within a day.
    (A scheduled job: see moralbank.worker.)"""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
