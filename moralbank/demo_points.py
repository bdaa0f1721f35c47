"""The demo community's points: the seeds' schemes, residents in households, and a
quarter of history — loaded through the same services staff use, so the audit log and
the ledger read as if the office had worked for three months.

Schemes (PRODUCT.md §3): Bazhong's eight categories (the article names seven of them; the
eighth, 热心公益, is ours); Litang's moral points at ¥1 with a household base of 100;
Hanchuan's volunteer points at ¥2; Taiyuan-style staff points that are not redeemable.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.clock import FrozenClock
from core.uow import UnitOfWork
from rewards.errors import CapReached, RequestKeyReused
from rewards.org.service import find_unit
from rewards.people.residents import count_residents, found_household, register_resident
from rewards.people.teams import add_member, create_team
from rewards.points.awards import apply_rule
from rewards.points.corrections import adjust
from rewards.points.rules import (
    CategoryDraft,
    PointTypeDraft,
    RuleDraft,
    existing_setup,
    save_category,
    save_point_type,
    save_rule,
)
from rewards.rankings.mine import choose_public_boards
from rewards.staff.models import Role
from rewards.staff.service import StaffView

POINT_TYPES = (
    PointTypeDraft(
        code="moral", name="道德积分", name_en="Moral points", value_fen=100, household_base=100
    ),
    PointTypeDraft(code="volunteer", name="志愿积分", name_en="Volunteer points", value_fen=200),
    PointTypeDraft(
        code="staff", name="工作积分", name_en="Staff points", value_fen=0, redeemable=False
    ),
)
CATEGORIES = (
    ("law", "遵纪守法", "Law-abiding"),
    ("customs", "移风易俗", "Modern customs"),
    ("industry", "勤劳致富", "Hard work"),
    ("clean", "清洁卫生", "Cleanliness"),
    ("family", "家庭文明", "Family"),
    ("neighbours", "邻里和睦", "Neighbours"),
    ("public", "遵守公德", "Public manners"),
    ("welfare", "热心公益", "Public welfare"),
    ("volunteering", "志愿服务", "Volunteering"),
    ("gridwork", "网格工作", "Grid work"),
)
# code, category, point type, action (zh, en), points, cap (period, points) or None
RULES: tuple[tuple[str, str, str, str, str, int, tuple[str, int] | None], ...] = (
    ("clean-stairs", "clean", "moral", "打扫楼道", "Sweeping the stairs", 5, ("day", 10)),
    ("help-neighbour", "neighbours", "moral", "帮助邻居", "Helping a neighbour", 3, None),
    ("mediate", "neighbours", "moral", "调解邻里纠纷", "Settling a quarrel", 10, ("month", 30)),
    ("thrift-wedding", "customs", "moral", "婚事新办", "A simple wedding", 20, None),
    ("report-issue", "public", "moral", "随手拍有效上报", "A useful report", 2, ("day", 6)),
    ("litter", "public", "moral", "乱扔垃圾", "Littering", -5, None),
    ("illegal-build", "law", "moral", "违章搭建", "Illegal building", -20, None),
    ("volunteer", "volunteering", "volunteer", "参加志愿活动", "Volunteering", 2, None),
    ("patrol", "volunteering", "volunteer", "参加巡逻", "Walking a patrol", 3, ("week", 15)),
    ("grid-task", "gridwork", "staff", "完成网格任务", "A grid task done", 1, ("day", 10)),
)
SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN = (
    "秀英",
    "桂兰",
    "建国",
    "志强",
    "丽华",
    "海燕",
    "国华",
    "玉梅",
    "德明",
    "春花",
    "永红",
    "小龙",
)
# Rules the history draws from, with how often each is used.
HISTORY_RULES = (
    ("clean-stairs", 6),
    ("help-neighbour", 4),
    ("report-issue", 4),
    ("volunteer", 3),
    ("patrol", 3),
    ("mediate", 1),
    ("litter", 1),
)
HISTORY_DAYS = 90
# Residents were enrolled this long ago: before last quarter began, so they count on its
# ranking boards (only residents verified before a period are ranked in it).
JOINED_DAYS_AGO = 200


async def load_points_demo(
    uow: UnitOfWork,
    *,
    admin: StaffView,
    community: StaffView,
    grid_staff: list[StaffView],
    zone: ZoneInfo,
    approval_above: int,
) -> None:
    """Schemes, then (once) residents and history. `admin` sets the schemes up (a rule
    worth more than `approval_above` would wait for a second approver, as anywhere);
    `community` and the grid staff enrol residents and award points."""
    since = uow.now() - timedelta(days=HISTORY_DAYS + 30)
    await _schemes(uow, admin, since, approval_above)
    community_unit = await find_unit(uow, "demo-community")
    if await count_residents(uow, community_unit.path):
        return
    joined = UnitOfWork(uow.database, FrozenClock(uow.now() - timedelta(days=JOINED_DAYS_AGO)))
    residents = await _residents(joined, community, [f"demo-grid-{n}" for n in (1, 2, 3)])
    await _agree_to_boards(uow, residents)
    await _patrol_teams(uow, community, residents)
    await _history(uow, grid_staff, residents, zone)


async def load_waiting_adjustment(
    uow: UnitOfWork, *, asker: StaffView, person_id: int, zone: ZoneInfo, approval_above: int
) -> None:
    """A manual adjustment above the approval threshold, asked for by a grid worker: it
    waits under "adjustments" for a second staff member. Its request key makes it once."""
    try:
        await adjust(
            uow,
            staff=asker,
            person_id=person_id,
            point_type="moral",
            points=approval_above + 20,
            reason="连续三个月义务照看独居老人，社区表彰",
            request_key="demo:waiting-adjustment",
            approval_above=approval_above,
            zone=zone,
        )
    except RequestKeyReused:
        return  # asked for by an earlier run, under another threshold


async def _schemes(
    uow: UnitOfWork, admin: StaffView, since: datetime, approval_above: int
) -> None:
    done = await existing_setup(uow)
    for kind in POINT_TYPES:
        if kind.code not in done.point_types:
            await save_point_type(uow, staff=admin, draft=kind)
    for position, (code, name, name_en) in enumerate(CATEGORIES):
        if code not in done.categories:
            heading = CategoryDraft(code=code, name=name, name_en=name_en, position=position)
            await save_category(uow, staff=admin, draft=heading)
    for code, category, point_type, action, action_en, points, cap in RULES:
        if code in done.rules:
            continue
        awarders = [Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.GRID_HEAD]
        if point_type == "staff":
            awarders = [Role.COMMUNITY_STAFF, Role.INSPECTOR]
        draft = RuleDraft(
            code=code,
            unit="demo-community",
            category=category,
            point_type=point_type,
            action=action,
            action_en=action_en,
            points=points,
            cap_period=cap[0] if cap else None,
            cap_points=cap[1] if cap else None,
            awarder_roles=tuple(awarders),
            second_approver=code == "thrift-wedding",
            valid_from=since,
        )
        await save_rule(uow, staff=admin, draft=draft, approval_above=approval_above)


def _household_names(rng: random.Random, taken: set[str], *, size: int) -> list[str]:
    """A household's members: one surname, given names no one else in the demo has."""
    while True:
        surname = rng.choice(SURNAMES)
        free = [surname + given for given in GIVEN if surname + given not in taken]
        if len(free) >= size:
            names = rng.sample(free, size)
            taken.update(names)
            return names


async def _residents(uow: UnitOfWork, staff: StaffView, grids: list[str]) -> dict[str, list[int]]:
    """Four households a grid, of two or three people; residents by grid code."""
    rng = random.Random(2026)
    residents: dict[str, list[int]] = {}
    taken: set[str] = set()  # no two residents share a name: staff tell them apart by it
    for grid_code in grids:
        grid = await find_unit(uow, grid_code)
        residents[grid_code] = []
        for _ in range(4):
            names = _household_names(rng, taken, size=rng.choice((2, 3)))
            head = await register_resident(
                uow, staff=staff, display_name=names[0], unit_id=grid.id
            )
            household = await found_household(
                uow, staff=staff, unit_id=grid.id, head_person_id=head
            )
            members = [head]
            for name in names[1:]:
                members.append(
                    await register_resident(
                        uow,
                        staff=staff,
                        display_name=name,
                        unit_id=grid.id,
                        household_id=household,
                    )
                )
            residents[grid_code].extend(members)
    return residents


async def _agree_to_boards(uow: UnitOfWork, residents: dict[str, list[int]]) -> None:
    """Most residents agreed to appear on public boards; the last of each grid did not."""
    for people in residents.values():
        for person_id in people[:-1]:
            await choose_public_boards(uow, person_id=person_id, on=True)


async def _patrol_teams(
    uow: UnitOfWork, staff: StaffView, residents: dict[str, list[int]]
) -> None:
    """A daily patrol team a grid (天天巡逻组), its first three residents, the first leading;
    made by community staff, whose role manages teams."""
    for grid_code, people in residents.items():
        grid = await find_unit(uow, grid_code)
        team = await create_team(
            uow, staff=staff, code=f"{grid_code}-patrol", name=f"{grid.name}天天巡逻组",
            unit_id=grid.id,
        )  # fmt: skip
        for n, person in enumerate(people[:3]):
            await add_member(uow, staff=staff, team_id=team, person_id=person, leader=n == 0)


async def _history(
    uow: UnitOfWork, grid_staff: list[StaffView], residents: dict[str, list[int]], zone: ZoneInfo
) -> None:
    """A quarter of awards and a few deductions, each on its day, by the grid's worker."""
    rng = random.Random(7)
    rules = [code for code, weight in HISTORY_RULES for _ in range(weight)]
    start = uow.now() - timedelta(days=HISTORY_DAYS)
    for staff, people in zip(grid_staff, residents.values(), strict=True):
        for person in people:
            for n in range(rng.randint(4, 14)):
                at = start + timedelta(days=rng.uniform(0, HISTORY_DAYS))
                then = UnitOfWork(uow.database, FrozenClock(at))
                try:
                    await apply_rule(
                        then,
                        staff=staff,
                        person_id=person,
                        rule_code=rng.choice(rules),
                        request_key=f"demo:{person}:{n}",
                        zone=zone,
                    )
                except CapReached:
                    continue
