"""What a resident sees of duty in the bot: the shifts of their community they can take
in the coming days, by grid and then by date (with the places left and their own
standing), and their own shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.duty.models import DutyActivity, DutyShift, DutySignup
from rewards.duty.signups import HOLDS_A_PLACE
from rewards.org.models import OrgUnit
from rewards.people.residents import community_path, load_resident

AHEAD = timedelta(days=7)
MOST_SHOWN = 30  # buttons a chat screen holds


@dataclass(frozen=True)
class ShiftLine:
    shift_id: int
    activity: str
    activity_en: str | None
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int
    mine: str | None  # signed | waiting | offered | attended | absent, or None
    grid: str  # the unit the activity belongs to: the list is by grid, then by date


async def open_shifts(uow: UnitOfWork, *, person_id: int) -> list[ShiftLine]:
    """The next week's shifts of the resident's community, soonest first."""
    async with uow.read() as session:
        community = await community_path(session, person_id)
        own_grid = (await load_resident(session, person_id)).unit_id
        now = uow.now()
        return await _lines(
            session,
            person_id,
            own_grid,
            and_(
                OrgUnit.path.startswith(community),
                DutyActivity.active.is_(True),
                DutyShift.starts_at > now,
                DutyShift.starts_at < now + AHEAD,
            ),
        )


async def my_shifts(uow: UnitOfWork, *, person_id: int) -> list[ShiftLine]:
    """The resident's shifts from today on, with a place or waiting for one."""
    async with uow.read() as session:
        now = uow.now()
        mine = select(DutySignup.shift_id).where(
            DutySignup.person_id == person_id, DutySignup.status != "cancelled"
        )
        return await _lines(
            session,
            person_id,
            None,
            and_(DutyShift.id.in_(mine), DutyShift.ends_at > now - timedelta(hours=12)),
        )


async def _lines(
    session: AsyncSession, person_id: int, own_grid: int | None, where: object
) -> list[ShiftLine]:
    """The shifts `where` says, the resident's own grid first, then by grid and date."""
    taken = (
        select(func.count())
        .select_from(DutySignup)
        .where(DutySignup.shift_id == DutyShift.id, DutySignup.status.in_(HOLDS_A_PLACE))
        .scalar_subquery()
    )
    mine = (
        select(DutySignup.status)
        .where(
            DutySignup.shift_id == DutyShift.id,
            DutySignup.person_id == person_id,
            DutySignup.status != "cancelled",
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            DutyShift.id,
            DutyActivity.name,
            DutyActivity.name_en,
            DutyActivity.place_name,
            DutyShift.starts_at,
            DutyShift.ends_at,
            DutyShift.capacity,
            taken,
            mine,
            OrgUnit.name,
        )
        .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
        .join(OrgUnit, OrgUnit.id == DutyActivity.org_unit_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(
            case((OrgUnit.id == own_grid, 0), else_=1),
            OrgUnit.path,
            DutyShift.starts_at,
            DutyShift.id,
        )
        .limit(MOST_SHOWN)
    )
    return [ShiftLine(*row) for row in rows]
