"""Ranking boards in the panel, for the committee: draft a period's board, read it, put it
on public notice, answer objections, make it final. Each form calls one service, which
checks the permissions table where the board is."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow, Zone
from admin.params import MAX_ID, IdPath
from admin.posters import leaderboard_png
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.i18n import DEFAULT_LOCALE
from rewards.org.service import units_below
from rewards.rankings.boards import answer_objection, draft_board, finalise, put_on_notice
from rewards.rankings.mine import masked
from rewards.rankings.pages import board_page, boards_for
from rewards.rankings.publishing import publish
from rewards.staff.permissions import Action

router = page_router()
TOP_SHOWN = 10  # places on the published picture
Text = Annotated[str, Form(max_length=500)]


@router.get("/rankings")
async def rankings(request: Request, staff: CurrentStaff, uow: Uow, zone: Zone) -> Response:
    t = translator_for(request, staff.language)
    boards = await boards_for(uow, staff=staff)
    units = await units_below(uow, list(staff.paths_for(Action.PUBLISH_RANKINGS)))
    return render(request, "rankings.html", t, staff=staff, boards=boards, units=units, zone=zone)


@router.post("/rankings/draft")
async def draft(
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    period: Annotated[str, Form(max_length=8)],
    scope: Annotated[Literal["resident", "household"], Form()],
) -> Response:
    board = await draft_board(
        uow, staff=staff, unit_id=unit_id, period=period.strip(), scope=scope, zone=zone
    )
    return RedirectResponse(f"/rankings/{board.id}", status_code=303)


@router.get("/rankings/{board_id}")
async def board(
    request: Request, board_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    t = translator_for(request, staff.language)
    page = await board_page(uow, staff=staff, board_id=board_id)
    return render(request, "ranking_board.html", t, staff=staff, page=page, zone=zone)


@router.post("/rankings/{board_id}/notice")
async def notice(
    board_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    days: Annotated[int, Form(ge=1, le=60)] = 7,
) -> Response:
    await put_on_notice(uow, staff=staff, board_id=board_id, days=days)
    return RedirectResponse(f"/rankings/{board_id}", status_code=303)


@router.post("/rankings/{board_id}/final")
async def final(board_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    await finalise(uow, staff=staff, board_id=board_id)
    return RedirectResponse(f"/rankings/{board_id}", status_code=303)


@router.post("/rankings/{board_id}/publish")
async def publish_board(
    request: Request, board_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    """Publish a final board to its chats, with its picture (in the community's language,
    Chinese first)."""
    page = await board_page(uow, staff=staff, board_id=board_id)
    t = request.app.state.catalogues.translator(DEFAULT_LOCALE)
    lines = [
        t("rankings.picture_line", rank=e.rank, name=masked(e.name), points=e.points)
        for e in page.entries[:TOP_SHOWN]
    ]
    picture = leaderboard_png(
        title=t("rankings.picture_title", period=page.row.period, unit=page.row.unit_name),
        lines=lines,
    )
    await publish(uow, staff=staff, board_id=board_id, picture=picture)
    return RedirectResponse(f"/rankings/{board_id}", status_code=303)


@router.post("/rankings/objections/{objection_id}/answer")
async def answer(objection_id: IdPath, staff: CurrentStaff, uow: Uow, text: Text) -> Response:
    board_id = await answer_objection(uow, staff=staff, objection_id=objection_id, answer=text)
    return RedirectResponse(f"/rankings/{board_id}", status_code=303)
