"""A staff member links their own Telegram (every staff member may, for themselves): the
page shows a one-time deep link and its QR to scan with the phone, and can undo the link.
Linking carries no rights: the bot reads them fresh from the staff account each time."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from admin.bot_links import deep_link, qr_svg
from admin.deps import CurrentStaff, Uow, Zone
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.staff.telegram import link_state, offer_link, unlink_chat

router = page_router()


@router.get("/telegram")
async def telegram_page(request: Request, staff: CurrentStaff, uow: Uow, zone: Zone) -> Response:
    t = translator_for(request, staff.language)
    state = await link_state(uow, staff=staff)
    return render(
        request, "telegram_link.html", t, staff=staff, state=state, offer=None, zone=zone
    )


@router.post("/telegram/link")
async def make_link(request: Request, staff: CurrentStaff, uow: Uow, zone: Zone) -> Response:
    """A new link, shown once (its secret is kept only as a digest); a reload makes
    another and the one before stops working."""
    t = translator_for(request, staff.language)
    offer = await offer_link(uow, staff=staff)
    state = await link_state(uow, staff=staff)
    link = deep_link(request.app.state.settings.bot_username, offer.payload)
    qr = Markup(qr_svg(link)) if link else None  # noqa: S704 (our own SVG, no input in it)
    return render(
        request,
        "telegram_link.html",
        t,
        staff=staff,
        state=state,
        offer=offer,
        link=link,
        qr=qr,
        zone=zone,
    )


@router.post("/telegram/unlink")
async def unlink(staff: CurrentStaff, uow: Uow) -> Response:
    await unlink_chat(uow, staff=staff)
    return RedirectResponse("/telegram", status_code=303)
