"""Ranking boards in the panel, for the committee: draft a period's board (its scope,
point-type weights and collective schemes), read it, put it on public notice, answer
objections, make it final, publish it, pay its best award points, and print its notice
or download it. Each form calls one service, which checks the permissions table where
the board is."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from admin.deps import CurrentStaff, Uow, Zone
from admin.downloads import PDF, XLSX, attachment
from admin.params import MAX_ID, IdPath, OptionalNumber, number_or_none
from admin.ranking_prints import board_notice, board_picture, board_workbook
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.i18n import DEFAULT_LOCALE
from rewards.rankings.awards import award_best
from rewards.rankings.boards import answer_objection, draft_board, finalise, put_on_notice
from rewards.rankings.pages import board_page, rankings_page
from rewards.rankings.publishing import publish
from rewards.rankings.schemes import Schemes
from rewards.rankings.standings import Scope

router = page_router()
Text = Annotated[str, Form(max_length=500)]
Weight = Annotated[str, Form(pattern=r"^\s*([0-9]{1,3})?\s*$")]
Code = Annotated[str, Form(max_length=64)]
PRINTED_PLACES = 5_000  # on the notice and in the workbook; the rest are counted


@router.get("/rankings")
async def rankings(request: Request, staff: CurrentStaff, uow: Uow, zone: Zone) -> Response:
    t = translator_for(request, staff.language)
    page = await rankings_page(uow, staff=staff)
    return render(request, "rankings.html", t, staff=staff, page=page, zone=zone)


@router.post("/rankings/draft")
async def draft(
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    period: Annotated[str, Form(max_length=8)],
    scope: Annotated[Scope, Form()],
    weight_code: Annotated[list[Code], Form()] = [],  # noqa: B006 (FastAPI copies it)
    weight: Annotated[list[Weight], Form()] = [],  # noqa: B006
    fund_amount: OptionalNumber = "",
    fund_top_n: OptionalNumber = "",
    warn_bottom_n: OptionalNumber = "",
) -> Response:
    """Weights left blank weigh every point type once; a number weighs that type (0: not
    at all) and the types left blank not at all."""
    weights = {code: int(w) for code, w in zip(weight_code, weight, strict=False) if w.strip()}
    try:
        schemes = Schemes(
            fund_amount=number_or_none(fund_amount),
            fund_top_n=number_or_none(fund_top_n),
            warn_bottom_n=number_or_none(warn_bottom_n),
        )
    except ValidationError as error:  # 0, or more places than a board has: the form's fault
        raise RequestValidationError(error.errors()) from error
    board = await draft_board(
        uow, staff=staff, unit_id=unit_id, period=period.strip(), scope=scope, zone=zone,
        weights=weights or None, schemes=schemes,
    )  # fmt: skip
    return RedirectResponse(f"/rankings/{board.id}", status_code=303)


@router.get("/rankings/{board_id}")
async def board(
    request: Request, board_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    t = translator_for(request, staff.language)
    page = await board_page(uow, staff=staff, board_id=board_id)
    return render(request, "ranking_board.html", t, staff=staff, page=page, zone=zone)


@router.get("/rankings/{board_id}/notice.pdf")
async def notice_print(
    request: Request, board_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    """The notice to pin up, in the community's language (Chinese first)."""
    t = request.app.state.catalogues.translator(DEFAULT_LOCALE)
    page = await board_page(uow, staff=staff, board_id=board_id, most=PRINTED_PLACES)
    return attachment(board_notice(t, page, zone), PDF, f"ranking-{board_id}.pdf")


@router.get("/rankings/{board_id}/board.xlsx")
async def board_download(
    request: Request, board_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    t = translator_for(request, staff.language)
    page = await board_page(uow, staff=staff, board_id=board_id, most=PRINTED_PLACES)
    return attachment(board_workbook(t, page), XLSX, f"ranking-{board_id}.xlsx")


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
    t = request.app.state.catalogues.translator(DEFAULT_LOCALE)
    picture = board_picture(t, await board_page(uow, staff=staff, board_id=board_id))
    await publish(uow, staff=staff, board_id=board_id, picture=picture)
    return RedirectResponse(f"/rankings/{board_id}", status_code=303)


@router.post("/rankings/{board_id}/award")
async def award(
    board_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    rule: Code,
    top: Annotated[int, Form(ge=1, le=100)] = 1,
) -> Response:
    paid = await award_best(
        uow, staff=staff, board_id=board_id, rule_code=rule.strip(), top=top, zone=zone
    )
    return RedirectResponse(f"/rankings/{board_id}?paid={paid}", status_code=303)


@router.post("/rankings/objections/{objection_id}/answer")
async def answer(objection_id: IdPath, staff: CurrentStaff, uow: Uow, text: Text) -> Response:
    board_id = await answer_objection(uow, staff=staff, objection_id=objection_id, answer=text)
    return RedirectResponse(f"/rankings/{board_id}", status_code=303)
