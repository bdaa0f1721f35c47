"""Last quarter's ranking boards of the demo community, drafted as the quarter-end job
drafts them (residents and households, from the ledger), waiting for the committee to put
them on notice. Boards already there are left alone, so this is once a quarter."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.uow import UnitOfWork
from rewards.rankings.schedule import draft_due


async def load_rankings_demo(uow: UnitOfWork, *, zone: ZoneInfo) -> int:
    """Returns how many boards were drafted."""
    async with uow.write() as session:
        return await draft_due(session, uow.now(), zone)
