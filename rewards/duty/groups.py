"""The volunteers' group chat: a staff member who manages shifts binds a Telegram group
to their part of the tree from inside it, and every morning (from 06:00) and evening (from
17:00) the group gets the coming patrols of that part: when, what, the assembly point and
the places left. One message a post, through the outbox, which keeps Telegram's pace for
groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.duty.models import DutyActivity, DutyGroupChat, DutyShift, DutySignup
from rewards.duty.signups import HOLDS_A_PLACE
from rewards.messaging.outbox import notify
from rewards.org.models import OrgUnit
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

GROUP_JOB = "duty.group_posts"
MORNING, MORNING_UNTIL = time(6, 0), time(14, 0)
EVENING, EVENING_UNTIL = time(17, 0), time(23, 59)


@dataclass(frozen=True)
class BoundGroup:
    unit_name: str


async def bind_group(
    uow: UnitOfWork, *, staff: StaffView, chat_id: int, language: str
) -> BoundGroup:
    """This group gets the posts of the highest unit where the staff member manages
    shifts. Raises out_of_scope for staff who manage none."""
    unit = staff.top_role_for(Action.MANAGE_SHIFTS)
    async with uow.write() as session:
        now = uow.now()
        group = await session.scalar(select(DutyGroupChat).where(DutyGroupChat.chat_id == chat_id))
        if group is None:
            group = DutyGroupChat(chat_id=chat_id)
            session.add(group)
        group.org_unit_id, group.bound_by, group.bound_at = unit.org_unit_id, staff.id, now
        group.language = language
        record_audit(
            session, at=now, actor_staff_id=staff.id, action="duty.group_bound",
            target=f"chat:{chat_id}", unit_path=unit.org_unit_path,
            details={"language": language},
        )  # fmt: skip
        return BoundGroup(unit.org_unit_name)


async def post_to_groups(session: AsyncSession, now: datetime, zone: ZoneInfo) -> int:
    """The morning's or the evening's post to every bound group that has not had it
    today. Returns how many posts were queued."""
    local = now.astimezone(zone)
    if local.time() >= EVENING:
        column, until = DutyGroupChat.evening_posted_on, EVENING_UNTIL
    elif MORNING <= local.time() < MORNING_UNTIL:
        column, until = DutyGroupChat.morning_posted_on, MORNING_UNTIL
    else:
        return 0
    today = local.date()
    groups = list(
        await session.scalars(
            select(DutyGroupChat)
            .where((column.is_(None)) | (column < today))
            .with_for_update(skip_locked=True)
        )
    )
    end = datetime.combine(today, until, tzinfo=zone)
    posted = 0
    for group in groups:
        setattr(group, column.key, today)
        lines = await _coming(session, group.org_unit_id, now, end, zone)
        if not lines:
            continue
        await notify(
            session, chat_id=group.chat_id, key="duty.group_post", locale=group.language, now=now,
            params={"shifts": "\n".join(lines), "count": len(lines)},
        )  # fmt: skip
        posted += 1
    return posted


async def _coming(
    session: AsyncSession, unit_id: int, since: datetime, until: datetime, zone: ZoneInfo
) -> list[str]:
    path = await session.scalar(select(OrgUnit.path).where(OrgUnit.id == unit_id))
    taken = (
        select(func.count())
        .select_from(DutySignup)
        .where(DutySignup.shift_id == DutyShift.id, DutySignup.status.in_(HOLDS_A_PLACE))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            DutyShift.starts_at,
            DutyActivity.name,
            DutyActivity.place_name,
            taken,
            DutyShift.capacity,
        )
        .join(DutyActivity, DutyActivity.id == DutyShift.activity_id)
        .join(OrgUnit, OrgUnit.id == DutyActivity.org_unit_id)
        .where(
            OrgUnit.path.startswith(path or "/"),
            DutyShift.starts_at >= since,
            DutyShift.starts_at < until + timedelta(minutes=1),
        )
        .order_by(DutyShift.starts_at)
        .limit(30)
    )
    # Data only (times, names, counts): the sentence around it comes from the catalogue.
    return [
        f"{starts.astimezone(zone):%H:%M} {name} · {place} · {count}/{capacity}"
        for starts, name, place, count, capacity in rows
    ]
