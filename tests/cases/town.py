"""A community for the snap-and-report tests: the points tests' town, a street handler
and a grid head, case categories whose rules pay the reporter (2 points when verified, 3
when resolved, at most 4 a day), and proof photos ready in storage."""

from __future__ import annotations

from dataclasses import dataclass

from core.uow import UnitOfWork
from rewards.cases.models import CaseCategory
from rewards.cases.reporting import Photo, add_photo, open_draft, set_category, set_location
from rewards.cases.steps import CaseView, submit
from rewards.points.rules import save_rule
from rewards.staff.models import Role
from rewards.staff.service import StaffView
from tests.rewards.community import APPROVAL_ABOVE, Community, build_community, make_staff, rule

NEAR = (40.0001, 116.0001)


@dataclass(frozen=True)
class Town:
    people: Community
    head: StaffView  # grid head of grid 1 (may escalate)
    department: StaffView  # a department handler at the street
    litter: int  # the category with rules
    lamp: int  # a category without rules


async def build_town(uow: UnitOfWork) -> Town:
    people = await build_community(uow)
    head = await make_staff(uow, "head1", Role.GRID_HEAD, people.units["grid-1"])
    department = await make_staff(uow, "dept", Role.DEPARTMENT_HANDLER, people.units["street"])
    roles = [Role.GRID_WORKER, Role.COMMUNITY_STAFF]
    for code, points in (("case-verified", 2), ("case-resolved", 3)):
        draft = rule(
            code, points=points, awarder_roles=roles, cap_period="day", cap_points=4,
            action=f"随手拍 {code}",
        )  # fmt: skip
        await save_rule(uow, staff=people.admin, draft=draft, approval_above=APPROVAL_ABOVE)
    async with uow.write() as session:
        litter = CaseCategory(
            code="litter", name="垃圾乱堆", name_en="Litter", position=1,
            verify_rule="case-verified", resolve_rule="case-resolved",
        )  # fmt: skip
        lamp = CaseCategory(code="lamp", name="路灯不亮", name_en="Street light", position=2)
        session.add_all([litter, lamp])
        await session.flush()
        return Town(people, head, department, litter.id, lamp.id)


def photo(n: int) -> Photo:
    """A photo as if already kept in the file storage (its content-addressed key)."""
    return Photo(f"{n:064x}", f"{n:016x}", 1280, 960)


async def reported(uow: UnitOfWork, town: Town, person_id: int, category: int) -> CaseView:
    """A full report sent by the resident: a photo, the location, the category."""
    draft = await open_draft(uow, person_id=person_id)
    await add_photo(uow, person_id=person_id, case_id=draft.id, photo=photo(draft.id))
    await set_location(
        uow, person_id=person_id, case_id=draft.id, latitude=NEAR[0], longitude=NEAR[1]
    )
    await set_category(uow, person_id=person_id, case_id=draft.id, category_id=category)
    return await submit(uow, person_id=person_id, case_id=draft.id)
