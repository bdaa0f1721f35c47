"""Known places in the panel: the list residents pick from when they would rather not
share their location, kept by staff who edit rules for the units they reach."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow
from admin.params import MAX_ID, IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.cases.places import (
    KnownPlaceDraft,
    add_known_place,
    known_places,
    retire_known_place,
)
from rewards.org.service import units_below
from rewards.staff.permissions import Action

router = page_router()


@router.get("/cases/places")
async def places(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    staff.require_somewhere(Action.EDIT_RULES)
    t = translator_for(request, staff.language)
    rows = await known_places(uow, staff=staff)
    units = await units_below(uow, list(staff.paths_for(Action.EDIT_RULES)))
    return render(
        request, "known_places.html", t, staff=staff, rows=rows, units=units,
        done=request.query_params.get("done") in ("added", "retired"),
    )  # fmt: skip


@router.post("/cases/places")
async def add_place(
    staff: CurrentStaff,
    uow: Uow,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    name: Annotated[str, Form(max_length=120)],
    latitude: Annotated[float, Form(ge=-90, le=90)],
    longitude: Annotated[float, Form(ge=-180, le=180)],
    name_en: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    draft = KnownPlaceDraft(
        unit_id=unit_id, name=name, name_en=name_en or None, latitude=latitude,
        longitude=longitude,
    )  # fmt: skip
    await add_known_place(uow, staff=staff, draft=draft)
    return RedirectResponse("/cases/places?done=added", status_code=303)


@router.post("/cases/places/{place_id}/retire")
async def retire_place(place_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    await retire_known_place(uow, staff=staff, place_id=place_id)
    return RedirectResponse("/cases/places?done=retired", status_code=303)
