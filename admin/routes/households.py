"""Households: find them, and see one with its head, members and points."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from admin.deps import CurrentStaff, Uow
from admin.params import IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.people.households import search_households
from rewards.points.households import household_card

router = page_router()


@router.get("/households")
async def households(request: Request, staff: CurrentStaff, uow: Uow, q: str = "") -> Response:
    t = translator_for(request, staff.language)
    rows = await search_households(uow, staff=staff, query=q[:60])
    return render(request, "households.html", t, staff=staff, rows=rows, q=q)


@router.get("/households/{household_id}")
async def household_page(
    household_id: IdPath, request: Request, staff: CurrentStaff, uow: Uow
) -> Response:
    t = translator_for(request, staff.language)
    card = await household_card(uow, staff=staff, household_id=household_id)
    return render(request, "household.html", t, staff=staff, card=card)
