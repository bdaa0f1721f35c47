"""Housekeeping of the adapter's own tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from bot.models import ProcessedUpdate
from core.uow import UnitOfWork


async def prune_processed_updates(uow: UnitOfWork, *, before: datetime) -> int:
    """Forget update ids recorded before `before`; Telegram stops redelivering within a day."""
    async with uow.write() as session:
        result = await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
    return int(getattr(result, "rowcount", 0) or 0)
