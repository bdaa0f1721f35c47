"""The demo community's snap-and-report categories (what residents tap when they report
a problem), loaded through the same service as the panel uses; a verified report earns
the points demo's "report-issue" rule."""

from __future__ import annotations

from core.uow import UnitOfWork
from rewards.cases.categories import CaseCategoryDraft, case_categories, save_case_category
from rewards.cases.places import KnownPlaceDraft, add_known_place, known_places
from rewards.org.service import find_unit
from rewards.staff.service import StaffView

# code, name, English name, hours to acknowledge, hours to resolve
CATEGORIES = (
    ("litter", "垃圾乱堆", "Litter and rubbish", 12, 24),
    ("lamp", "路灯不亮", "Street light out", 12, 72),
    ("road", "道路破损", "Broken road or pavement", 12, 168),
    ("parking", "乱停乱放", "Bad parking", 4, 24),
    ("noise", "噪音扰民", "Noise", 4, 24),
    ("hazard", "安全隐患", "Safety hazard", 2, 24),
    ("other", "其他问题", "Something else", 12, 72),
)


# name, English name, latitude, longitude: places residents pick instead of sharing
# their location (around a made-up spot in Chongqing).
PLACES = (
    ("幸福社区东门", "East gate", 29.56301, 106.55156),
    ("3号楼门口", "Building 3 entrance", 29.56342, 106.55210),
    ("社区小花园", "Community garden", 29.56275, 106.55230),
    ("菜市场路口", "Market crossing", 29.56220, 106.55101),
)


async def load_cases_demo(uow: UnitOfWork, *, admin: StaffView) -> None:
    """Once: categories already there (and staff's edits to them) are left alone, and so
    are the known places once there are any."""
    there = {category.code for category in await case_categories(uow)}
    for position, (code, name, name_en, acknowledge, resolve) in enumerate(CATEGORIES):
        draft = CaseCategoryDraft(
            code=code, name=name, name_en=name_en, position=position,
            acknowledge_hours=acknowledge, resolve_hours=resolve, verify_rule="report-issue",
        )  # fmt: skip
        if code not in there:
            await save_case_category(uow, staff=admin, draft=draft)
    if not await known_places(uow, staff=admin):
        community = await find_unit(uow, "demo-community")
        for name, name_en, latitude, longitude in PLACES:
            place = KnownPlaceDraft(
                unit_id=community.id, name=name, name_en=name_en,
                latitude=latitude, longitude=longitude,
            )  # fmt: skip
            await add_known_place(uow, staff=admin, draft=place)
