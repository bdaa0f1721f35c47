"""The demo community's daily patrols (天天巡逻): one a grid, mornings and evenings at its
assembly point, open to every resident, paying the demo's "patrol" rule; the worker plans
their shifts a week ahead. Loaded through the panel's own service; once."""

from __future__ import annotations

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.duty.activities import ActivityDraft, save_activity
from rewards.duty.models import DutyActivity
from rewards.org.service import find_unit
from rewards.staff.service import StaffView

# grid code, assembly point, latitude, longitude (near the demo's known places)
PATROLS = (
    ("demo-grid-1", "幸福社区东门", 29.56301, 106.55156),
    ("demo-grid-2", "3号楼门口", 29.56342, 106.55210),
    ("demo-grid-3", "菜市场路口", 29.56220, 106.55101),
)
DAILY = ("07:00-08:00", "19:00-20:00")


async def load_duty_demo(uow: UnitOfWork, *, admin: StaffView) -> None:
    for grid_code, place, latitude, longitude in PATROLS:
        code = f"{grid_code}-patrol"
        async with uow.read() as session:
            there = await session.scalar(select(DutyActivity.id).where(DutyActivity.code == code))
        if there is not None:
            continue
        grid = await find_unit(uow, grid_code)
        draft = ActivityDraft(
            code=code, name=f"{grid.name}天天巡逻", name_en=f"{grid.name} daily patrol",
            unit_id=grid.id, place_name=place, latitude=latitude, longitude=longitude,
            capacity=6, rule_code="patrol", daily=DAILY,
        )  # fmt: skip
        await save_activity(uow, staff=admin, draft=draft)
