"""The first page after login: who you are and which part of the tree you look after."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from admin.deps import CurrentStaff
from admin.rendering import render, translator_for

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, staff: CurrentStaff) -> Response:
    t = translator_for(request, staff.language)
    return render(request, "home.html", t, staff=staff)
