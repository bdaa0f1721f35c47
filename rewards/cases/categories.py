"""The kinds of problem residents pick from by button (垃圾乱堆, 路灯不亮…), each with its
time targets and the point rules its reports earn by. Staff who edit rules edit these;
every change is in the audit log (they decide who earns what)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.cases.models import CaseCategory
from rewards.errors import UnknownRule
from rewards.points.models import Rule
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


class CaseCategoryDraft(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,31}$")
    name: str = Field(min_length=1, max_length=60)
    name_en: str | None = Field(default=None, max_length=60)
    position: int = Field(default=0, ge=0, le=1000)
    acknowledge_hours: int = Field(default=12, ge=1, le=24 * 30)  # 日清日结: the same day
    resolve_hours: int = Field(default=72, ge=1, le=24 * 90)
    verify_rule: str | None = None
    resolve_rule: str | None = None
    active: bool = True


@dataclass(frozen=True)
class CaseCategoryView:
    id: int
    code: str
    name: str
    name_en: str | None


async def save_case_category(
    uow: UnitOfWork, *, staff: StaffView, draft: CaseCategoryDraft
) -> CaseCategoryView:
    """Create the category, or change it (by code). Raises out_of_scope, unknown_rule."""
    staff.require_somewhere(Action.EDIT_RULES)
    async with uow.write() as session:
        for rule in (draft.verify_rule, draft.resolve_rule):
            if (
                rule is not None
                and await session.scalar(select(Rule.id).where(Rule.code == rule)) is None
            ):
                raise UnknownRule(code=rule)
        category = await session.scalar(
            select(CaseCategory).where(CaseCategory.code == draft.code)
        )
        if category is None:
            category = CaseCategory(code=draft.code)
            session.add(category)
        for field, value in draft.model_dump(exclude={"code"}).items():
            setattr(category, field, value)
        await session.flush()
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="cases.category_saved",
            target=f"case_category:{category.id}",
            unit_path=None,
            details=draft.model_dump(),
        )
        return CaseCategoryView(category.id, category.code, category.name, category.name_en)


async def case_categories(uow: UnitOfWork) -> list[CaseCategoryView]:
    """The active categories, in their order: the resident's buttons."""
    async with uow.read() as session:
        rows = await session.execute(
            select(CaseCategory.id, CaseCategory.code, CaseCategory.name, CaseCategory.name_en)
            .where(CaseCategory.active.is_(True))
            .order_by(CaseCategory.position, CaseCategory.id)
        )
        return [CaseCategoryView(*row) for row in rows]


@dataclass(frozen=True)
class CaseCategoryRow:
    """A category as staff edit it: every field of the draft."""

    id: int
    draft: CaseCategoryDraft


async def case_category_rows(uow: UnitOfWork, *, staff: StaffView) -> list[CaseCategoryRow]:
    """Every category, retired ones too, for staff who edit rules."""
    staff.require_somewhere(Action.EDIT_RULES)
    async with uow.read() as session:
        categories = await session.scalars(
            select(CaseCategory).order_by(CaseCategory.position, CaseCategory.id)
        )
        return [
            CaseCategoryRow(
                category.id,
                CaseCategoryDraft.model_validate(category, from_attributes=True),
            )
            for category in categories
        ]
