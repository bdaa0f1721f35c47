"""Broadcasts: choose the audience (communities and grids, narrowed to a role if wished;
volunteer teams), preview, send through the
outbox, then watch it go out (the page polls its progress), pause, resume or cancel, and
read the delivery report. Staff see and steer the broadcasts they made."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from admin.deps import CurrentStaff, Uow
from admin.params import Id, IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.uow import UnitOfWork
from rewards.messaging.broadcasts import (
    MAX_TEXT,
    broadcast_progress,
    broadcasts_by,
    cancel_broadcast,
    pause_broadcast,
    require_own_broadcast,
    resume_broadcast,
    sender_of,
    start_broadcast,
)
from rewards.org.models import OrgLevel
from rewards.org.service import units_below
from rewards.people.residents import AUDIENCE_ROLES, AudienceRole
from rewards.people.teams import audience, teams_in_reach
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

router = page_router()
AUDIENCE_LEVELS = (OrgLevel.STREET, OrgLevel.COMMUNITY, OrgLevel.VILLAGE, OrgLevel.GRID)
STEERING = {"pause": pause_broadcast, "resume": resume_broadcast, "cancel": cancel_broadcast}


async def _form(
    request: Request, staff: StaffView, uow: UnitOfWork, status_code: int = 200, **extra: Any
) -> Response:
    t = translator_for(request, staff.language)
    recent = await broadcasts_by(uow, staff)  # first: it refuses roles that do not broadcast
    units = [
        unit
        for unit in await units_below(uow, list(staff.paths_for(Action.BROADCAST)))
        if unit.level in AUDIENCE_LEVELS
    ]
    return render(
        request,
        "broadcasts.html",
        t,
        status_code=status_code,
        staff=staff,
        units=units,
        teams=await teams_in_reach(uow, staff=staff),
        recent=recent,
        max_text=MAX_TEXT,
        roles=AUDIENCE_ROLES,
        **extra,
    )


@router.get("/broadcasts")
async def broadcasts(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    return await _form(
        request, staff, uow, chosen=[], chosen_teams=[], role="residents", text="", urgent=False
    )


@router.post("/broadcasts")
async def prepare(
    request: Request,
    staff: CurrentStaff,
    uow: Uow,
    text: Annotated[str, Form(max_length=MAX_TEXT * 2)] = "",
    units: Annotated[list[Id] | None, Form()] = None,
    teams: Annotated[list[Id] | None, Form()] = None,
    role: Annotated[AudienceRole, Form()] = "residents",
    urgent: Annotated[bool, Form()] = False,
    intent: Annotated[str, Form()] = "preview",
) -> Response:
    """Preview first (how many residents it reaches); send only when asked to."""
    chosen, chosen_teams = units or [], teams or []
    chats = await audience(uow, staff=staff, unit_ids=chosen, team_ids=chosen_teams, role=role)
    if intent != "send" or not chats or not text.strip():
        return await _form(
            request,
            staff,
            uow,
            chosen=chosen,
            chosen_teams=chosen_teams,
            role=role,
            text=text,
            urgent=urgent,
            preview=len(chats),
        )
    broadcast_id = await start_broadcast(
        uow,
        text=text,
        chat_ids=chats,
        urgent=urgent,
        created_by=sender_of(staff),
        actor_staff_id=staff.id,
    )
    return RedirectResponse(f"/broadcasts/{broadcast_id}", status_code=303)


@router.get("/broadcasts/{broadcast_id}")
async def broadcast_page(
    broadcast_id: IdPath, request: Request, staff: CurrentStaff, uow: Uow
) -> Response:
    progress = await broadcast_progress(uow, broadcast_id, staff=staff)
    t = translator_for(request, staff.language)
    return render(request, "broadcast.html", t, staff=staff, progress=progress)


@router.get("/broadcasts/{broadcast_id}/progress")
async def progress_json(broadcast_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    """What the page polls to move its bar."""
    progress = await broadcast_progress(uow, broadcast_id, staff=staff)
    done = progress.recipients - progress.waiting
    return JSONResponse(
        {
            "state": progress.state,
            "recipients": progress.recipients,
            "done": done,
            "sent": progress.sent,
            "failed": progress.failed,
            "unreachable": progress.unreachable,
            "cancelled": progress.cancelled,
            "waiting": progress.waiting,
            "finished": progress.finished,
        }
    )


@router.post("/broadcasts/{broadcast_id}/{action}")
async def steer(broadcast_id: IdPath, action: str, staff: CurrentStaff, uow: Uow) -> Response:
    await require_own_broadcast(uow, staff, broadcast_id)
    change = STEERING.get(action)
    if change is not None:
        await change(uow, broadcast_id, actor=staff.id)
    return RedirectResponse(f"/broadcasts/{broadcast_id}", status_code=303)
