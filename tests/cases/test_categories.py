"""Case categories are edited by staff who edit rules, by code, with their rules checked
and every change audited; residents' buttons list the active ones in order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.cases.categories import CaseCategoryDraft, case_categories, save_case_category
from rewards.errors import OutOfScope, UnknownRule
from tests.cases.town import Town, build_town


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def test_categories_are_saved_by_code_checked_and_audited(
    uow: UnitOfWork, town: Town
) -> None:
    admin = town.people.admin
    draft = CaseCategoryDraft(
        code="noise", name="噪音扰民", position=0, verify_rule="case-verified"
    )
    saved = await save_case_category(uow, staff=admin, draft=draft)
    again = await save_case_category(
        uow, staff=admin, draft=draft.model_copy(update={"name_en": "Noise", "active": True})
    )
    assert again.id == saved.id
    assert again.name_en == "Noise"
    with pytest.raises(UnknownRule):
        await save_case_category(
            uow, staff=admin, draft=draft.model_copy(update={"resolve_rule": "no-such-rule"})
        )
    with pytest.raises(OutOfScope):  # a grid worker does not edit rules
        await save_case_category(uow, staff=town.people.grid1, draft=draft)
    hidden = CaseCategoryDraft(code="old", name="旧类别", active=False)
    await save_case_category(uow, staff=admin, draft=hidden)
    assert [c.code for c in await case_categories(uow)] == ["noise", "litter", "lamp"]
    async with uow.read() as session:
        audited = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action == "cases.category_saved")
            )
        ).all()
    assert len(audited) == 3
