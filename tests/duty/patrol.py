"""A patrol for the duty tests: the points tests' community, a morning patrol at grid 1's
gate for two volunteers paying 3 points an attendance, its shift tomorrow at 07:00, and
more residents to fill it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.uow import UnitOfWork
from rewards.duty.activities import ActivityDraft, add_shift, new_poster, save_activity
from rewards.points.rules import save_rule
from rewards.staff.models import Role
from tests.rewards.community import (
    APPROVAL_ABOVE,
    START,
    Community,
    add_resident,
    build_community,
    rule,
)

GATE = (40.0, 116.0)
SHIFT_START = START + timedelta(days=1, hours=22)  # 2026-04-03 07:00 in Shanghai


@dataclass(frozen=True)
class Patrol:
    people: Community
    activity: int
    shift: int
    poster: str  # the assembly point's deep-link payload
    extra: list[int]  # verified residents of grid 1 beyond Alice


async def build_patrol(
    uow: UnitOfWork, *, capacity: int = 2, extra: int = 3, starts_at: datetime = SHIFT_START
) -> Patrol:
    people = await build_community(uow)
    roles = [Role.GRID_WORKER, Role.COMMUNITY_STAFF]
    draft = rule("patrol", points=3, awarder_roles=roles, action="巡逻")
    await save_rule(uow, staff=people.admin, draft=draft, approval_above=APPROVAL_ABOVE)
    activity = await save_activity(
        uow,
        staff=people.admin,
        draft=ActivityDraft(
            code="gate-morning", name="东门早巡", unit_id=people.units["grid-1"].id,
            place_name="东门", latitude=GATE[0], longitude=GATE[1], capacity=capacity,
            rule_code="patrol", cancel_until_hours=2,
        ),
    )  # fmt: skip
    shift = await add_shift(
        uow, staff=people.admin, activity_id=activity.id, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )  # fmt: skip
    poster = (await new_poster(uow, staff=people.admin, activity_id=activity.id)).payload
    others = [
        await add_resident(
            uow, f"R{n}", people.units["grid-1"], 9100 + n, "zh_Hans", verified_by=people.admin
        )
        for n in range(extra)
    ]
    return Patrol(people, activity.id, shift, poster, others)


def at(offset: timedelta) -> datetime:
    return SHIFT_START + offset
