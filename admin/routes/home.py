"""The first page after login: who you are and which part of the tree you look after."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from admin.deps import CurrentStaff, Uow
from admin.labels import role_name
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.people.residents import count_waiting_residents
from rewards.points.corrections import count_pending_changes

router = page_router()


@router.get("/")
async def home(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    duties = [(role_name(t, scoped.role), scoped.org_unit_name) for scoped in staff.roles]
    # What waits for someone: the first thing staff should see when they sign in.
    waiting_residents = await count_waiting_residents(uow, staff=staff)
    waiting_changes = await count_pending_changes(uow, staff=staff)
    return render(
        request,
        "home.html",
        t,
        staff=staff,
        duties=duties,
        waiting_residents=waiting_residents,
        waiting_changes=waiting_changes,
    )
