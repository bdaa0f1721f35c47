"""The first page after login: who you are and which part of the tree you look after."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from admin.deps import CurrentStaff
from admin.labels import role_name
from admin.rendering import render, translator_for
from admin.routes import page_router

router = page_router()


@router.get("/")
async def home(request: Request, staff: CurrentStaff) -> Response:
    t = translator_for(request, staff.language)
    duties = [(role_name(t, scoped.role), scoped.org_unit_name) for scoped in staff.roles]
    return render(request, "home.html", t, staff=staff, duties=duties)
