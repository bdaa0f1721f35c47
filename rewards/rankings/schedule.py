"""At a quarter's end the boards draft themselves: for every community (or village), a
resident board and a household board of the quarter that just ended, and the committee
members who publish rankings there and linked their Telegram are told to look at them.
A board already there (drafted by hand, or further on) is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.messaging.outbox import notify
from rewards.org.models import OrgLevel, OrgUnit
from rewards.rankings.boards import draft_in
from rewards.rankings.models import RankingBoard
from rewards.rankings.periods import period_span, quarter_of
from rewards.rankings.standings import Scope
from rewards.staff.permissions import Action
from rewards.staff.telegram import linked_chats_reaching

JOB_KIND = "rankings.draft_due"
SCOPES: tuple[Scope, ...] = ("resident", "household")


async def draft_due(session: AsyncSession, now: datetime, zone: ZoneInfo) -> int:
    """Draft last quarter's missing boards; returns how many were drafted."""
    this_quarter_began = period_span(quarter_of(now, zone), zone)[0]
    period = quarter_of(this_quarter_began - timedelta(days=1), zone)
    communities = list(
        await session.scalars(
            select(OrgUnit).where(OrgUnit.level.in_([OrgLevel.COMMUNITY, OrgLevel.VILLAGE]))
        )
    )
    drafted = 0
    for unit in communities:
        there = set(
            await session.scalars(
                select(RankingBoard.scope).where(
                    RankingBoard.org_unit_id == unit.id, RankingBoard.period == period
                )
            )
        )
        missing = [scope for scope in SCOPES if scope not in there]
        for scope in missing:
            await draft_in(
                session, unit=unit, period=period, scope=scope, zone=zone, weights=None,
                staff=None, now=now,
            )  # fmt: skip
            drafted += 1
        if missing:
            await _tell_committee(session, unit, period, now)
    return drafted


async def _tell_committee(
    session: AsyncSession, unit: OrgUnit, period: str, now: datetime
) -> None:
    committee = await linked_chats_reaching(session, unit.path, Action.PUBLISH_RANKINGS)
    for chat_id, language in committee.items():
        await notify(
            session, chat_id=chat_id, key="rankings.drafted", locale=language, now=now,
            params={"period": period, "unit": unit.name},
        )  # fmt: skip
