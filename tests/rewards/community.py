"""A small community for the points tests: two grids, staff, point types, a category,
residents (one not yet verified) and a few rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.uow import UnitOfWork
from rewards.org.models import OrgLevel
from rewards.org.service import OrgUnitView, ensure_unit
from rewards.people.models import Person, PersonChannel
from rewards.people.residents import enrol
from rewards.points.rules import (
    CategoryDraft,
    PointTypeDraft,
    RuleDraft,
    save_category,
    save_point_type,
    save_rule,
)
from rewards.staff.models import Role
from rewards.staff.service import StaffView, create_staff

ZONE = ZoneInfo("Asia/Shanghai")
PASSWORD = "correct horse battery"
# 09:00 in Shanghai on a Wednesday in the second quarter.
START = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
# MORALBANK_ADJUSTMENT_APPROVAL_ABOVE's default: larger rules and adjustments need two people.
APPROVAL_ABOVE = 50


@dataclass(frozen=True)
class Community:
    units: dict[str, OrgUnitView]
    admin: StaffView  # rules staff at the top of the tree (street)
    deputy: StaffView  # a second community staff member, for approvals
    grid1: StaffView  # grid worker of grid 1
    grid2: StaffView  # grid worker of grid 2
    alice: int  # verified, grid 1, talks to the bot in Chinese
    bob: int  # verified, grid 2, English
    carol: int  # grid 1, not verified yet


async def build_community(uow: UnitOfWork) -> Community:
    units = await build_tree(uow)
    admin = await make_staff(uow, "admin", Role.COMMUNITY_STAFF, units["street"])
    deputy = await make_staff(uow, "deputy", Role.COMMUNITY_STAFF, units["community"])
    grid1 = await make_staff(uow, "grid1", Role.GRID_WORKER, units["grid-1"])
    grid2 = await make_staff(uow, "grid2", Role.GRID_WORKER, units["grid-2"])
    await save_point_type(
        uow, staff=admin, draft=PointTypeDraft(code="moral", name="道德积分", name_en="Moral")
    )
    await save_point_type(
        uow,
        staff=admin,
        draft=PointTypeDraft(code="volunteer", name="志愿积分", value_fen=200),
    )
    await save_category(
        uow,
        staff=admin,
        draft=CategoryDraft(code="clean", name="清洁卫生", name_en="Cleanliness"),
    )
    await save_rule(uow, staff=admin, draft=rule("sweep", points=5), approval_above=APPROVAL_ABOVE)
    await save_rule(
        uow,
        staff=admin,
        draft=rule("litter", points=-3, action="乱扔垃圾", action_en="Litter"),
        approval_above=APPROVAL_ABOVE,
    )
    alice = await add_resident(uow, "Alice", units["grid-1"], 501, "zh_Hans", verified_by=admin)
    bob = await add_resident(uow, "Bob", units["grid-2"], 502, "en", verified_by=admin)
    carol = await add_resident(uow, "Carol", units["grid-1"], 503, "zh_Hans", verified_by=None)
    return Community(units, admin, deputy, grid1, grid2, alice, bob, carol)


def rule(code: str, **changes: object) -> RuleDraft:
    values: dict[str, object] = {
        "code": code,
        "unit": "community",
        "category": "clean",
        "point_type": "moral",
        "action": "打扫楼道",
        "action_en": "Sweeping the stairs",
        "points": 5,
        "awarder_roles": [Role.GRID_WORKER, Role.COMMUNITY_STAFF],
    }
    values.update(changes)
    return RuleDraft.parse(values)


async def build_tree(uow: UnitOfWork) -> dict[str, OrgUnitView]:
    """street → community → grid-1 (→ building-1), grid-2; units by code."""
    specs = [
        ("street", OrgLevel.STREET, None),
        ("community", OrgLevel.COMMUNITY, "street"),
        ("grid-1", OrgLevel.GRID, "community"),
        ("grid-2", OrgLevel.GRID, "community"),
        ("building-1", OrgLevel.BUILDING, "grid-1"),
    ]
    units = {}
    async with uow.write() as session:
        for code, level, parent in specs:
            units[code] = await ensure_unit(
                session, code=code, name=code, level=level, parent_code=parent
            )
    return units


async def make_staff(uow: UnitOfWork, username: str, role: Role, unit: OrgUnitView) -> StaffView:
    """A staff account holding `role` at `unit`; its password is PASSWORD."""
    return await create_staff(
        uow,
        username=username,
        display_name=username.title(),
        password=PASSWORD,
        roles=[(role, unit.id)],
        actor_staff_id=None,
    )


async def add_resident(
    uow: UnitOfWork,
    name: str,
    unit: OrgUnitView,
    telegram_id: int,
    language: str,
    *,
    verified_by: StaffView | None,
    on_boards: bool = True,
) -> int:
    async with uow.write() as session:
        person = Person(
            display_name=name, language=language, created_at=uow.now(),
            on_public_boards=on_boards,
        )  # fmt: skip
        session.add(person)
        await session.flush()
        session.add(
            PersonChannel(person_id=person.id, channel="telegram", external_id=telegram_id)
        )
        await enrol(
            session,
            person_id=person.id,
            unit_id=unit.id,
            household_id=None,
            now=uow.now(),
            verified_by_staff_id=verified_by.id if verified_by else None,
        )
        return person.id
