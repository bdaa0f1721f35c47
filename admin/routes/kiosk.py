"""The kiosk page of a love supermarket (爱心超市), made for a tablet and a USB scanner:
scan a resident's pay code, pick goods, confirm, show the receipt; or pick goods first and
show a QR the resident confirms in the bot, then hand over and complete. A refusal is told
on the page the operator was on, so the next try is one tap or one scan away."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Protocol

from fastapi import Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from admin.bot_links import checkout_link, qr_svg
from admin.deps import CurrentStaff, Uow, Zone
from admin.params import MAX_ID, IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from core.errors import DomainError
from core.uow import UnitOfWork
from rewards.errors import NotFound, OutOfScope
from rewards.redemption import checkout as kiosk
from rewards.redemption.checkout import MAX_QUANTITY, CheckoutView
from rewards.redemption.codes import pay_code_digits
from rewards.redemption.counter import checkout_with_counter, counter
from rewards.redemption.outlets import my_outlets
from rewards.staff.service import StaffView

router = page_router()
QUANTITY_FIELD = "qty_"  # qty_<item id> = how many, from the catalogue's buttons
MAX_TYPED = 64  # longer than any code a scanner or a person types
# The operator's latest offer, [checkout id, link secret], in their session (which the
# browser holds signed: the secret is the one the QR on their screen shows anyway).
OFFERED = "kiosk_offer"


class Step(Protocol):
    def __call__(
        self, uow: UnitOfWork, *, staff: StaffView, checkout_id: int, address: str | None
    ) -> Awaitable[CheckoutView]: ...


def _client(request: Request) -> str | None:
    # uvicorn has already taken X-Forwarded-For from trusted proxies only.
    return request.client.host if request.client else None


def _refusal(request: Request, staff: StaffView, error: DomainError) -> str:
    """The refusal in the operator's words; "not there" and "not yours" go to the one
    403 page instead, so ids of other outlets cannot be probed from here either."""
    if isinstance(error, OutOfScope | NotFound):
        raise error
    return translator_for(request, staff.language)(f"error.{error.code}", **error.params)


async def _lines(request: Request) -> dict[int, int]:
    """item id → quantity from the form; anything else there is refused as a bad form."""
    lines = {}
    for name, value in (await request.form()).multi_items():
        if not name.startswith(QUANTITY_FIELD) or not isinstance(value, str):
            continue
        item, quantity = name[len(QUANTITY_FIELD) :], value.strip() or "0"
        if not (item.isdigit() and quantity.isdigit()) or len(item) > 19 or len(quantity) > 3:
            raise RequestValidationError([{"type": "quantity", "loc": ("form", name)}])
        if not 1 <= int(item) <= MAX_ID or int(quantity) > MAX_QUANTITY:
            raise RequestValidationError([{"type": "quantity", "loc": ("form", name)}])
        if int(quantity):
            lines[int(item)] = int(quantity)
    return lines


@router.get("/kiosk")
async def outlets(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    mine = await my_outlets(uow, staff=staff)
    if len(mine) == 1:
        return RedirectResponse(f"/kiosk/{mine[0].id}", status_code=303)
    t = translator_for(request, staff.language)
    return render(request, "kiosk_outlets.html", t, staff=staff, outlets=mine)


async def _counter_page(
    request: Request,
    staff: StaffView,
    uow: UnitOfWork,
    outlet_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    t = translator_for(request, staff.language)
    shop = await counter(uow, staff=staff, outlet_id=outlet_id)
    context = {"error": None, "picked": {}, **extra}
    return render(
        request,
        "kiosk_counter.html",
        t,
        status_code=status_code,
        staff=staff,
        shop=shop,
        **context,
    )


@router.get("/kiosk/{outlet_id}")
async def counter_page(
    request: Request, outlet_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    return await _counter_page(request, staff, uow, outlet_id)


@router.post("/kiosk/{outlet_id}/scan")
async def scan(
    request: Request,
    outlet_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    zone: Zone,
    code: Annotated[str, Form()] = "",
) -> Response:
    try:
        view = await kiosk.scan(
            uow,
            staff=staff,
            outlet_id=outlet_id,
            digits=pay_code_digits(code[:MAX_TYPED]),
            address=_client(request),
            zone=zone,
        )
    except DomainError as error:
        message = _refusal(request, staff, error)
        return await _counter_page(request, staff, uow, outlet_id, 400, error=message)
    return RedirectResponse(f"/kiosk/checkouts/{view.id}", status_code=303)


@router.post("/kiosk/{outlet_id}/offer")
async def offer(
    request: Request, outlet_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    lines = await _lines(request)
    try:
        view = await kiosk.offer(
            uow, staff=staff, outlet_id=outlet_id, lines=lines, address=_client(request), zone=zone
        )
    except DomainError as error:
        message = _refusal(request, staff, error)
        return await _counter_page(
            request, staff, uow, outlet_id, 400, error=message, picked=lines
        )
    # The link's secret exists only in this answer (the database keeps its digest). It
    # waits in the operator's session for the page behind the redirect, so that reloading
    # that page shows the same QR instead of posting a second offer.
    assert view.link_secret is not None
    request.session[OFFERED] = [view.id, view.link_secret]
    return RedirectResponse(f"/kiosk/checkouts/{view.id}/qr", status_code=303)


@router.get("/kiosk/checkouts/{checkout_id}/qr")
async def offer_page(
    request: Request, checkout_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    """The QR the resident scans. Only the operator's latest offer has its secret at
    hand; an older one goes back to its checkout page."""
    view = await kiosk.checkout_at_counter(uow, staff=staff, checkout_id=checkout_id)
    offered = request.session.get(OFFERED)
    # Confirmed or ended meanwhile, the QR has done its job.
    if not offered or offered[0] != checkout_id or view.status != "offered":
        return RedirectResponse(f"/kiosk/checkouts/{checkout_id}", status_code=303)
    link = checkout_link(request.app.state.settings.bot_username, offered[1])
    t = translator_for(request, staff.language)
    qr = Markup(qr_svg(link)) if link else None  # noqa: S704 (our own SVG, no input in it)
    return render(request, "kiosk_offer.html", t, staff=staff, checkout=view, qr=qr)


async def _checkout_page(
    request: Request,
    staff: StaffView,
    uow: UnitOfWork,
    checkout_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    t = translator_for(request, staff.language)
    view, shop = await checkout_with_counter(uow, staff=staff, checkout_id=checkout_id)
    picked = {line.item_id: line.quantity for line in view.lines}
    context = {"error": None, "picked": picked, **extra}
    return render(
        request,
        "kiosk_checkout.html",
        t,
        status_code=status_code,
        staff=staff,
        checkout=view,
        shop=shop,
        **context,
    )


@router.get("/kiosk/checkouts/{checkout_id}")
async def checkout_page(
    request: Request, checkout_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    return await _checkout_page(request, staff, uow, checkout_id)


@router.get("/kiosk/checkouts/{checkout_id}/state")
async def checkout_state(checkout_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    """What the QR page polls, to move on once the resident confirmed in the bot."""
    view = await kiosk.checkout_at_counter(uow, staff=staff, checkout_id=checkout_id)
    return JSONResponse({"status": view.status, "masked_name": view.masked_name})


@router.post("/kiosk/checkouts/{checkout_id}/confirm")
async def confirm(
    request: Request, checkout_id: IdPath, staff: CurrentStaff, uow: Uow, zone: Zone
) -> Response:
    lines = await _lines(request)
    try:
        await kiosk.confirm(
            uow,
            staff=staff,
            checkout_id=checkout_id,
            lines=lines,
            address=_client(request),
            zone=zone,
        )
    except DomainError as error:
        message = _refusal(request, staff, error)
        return await _checkout_page(
            request, staff, uow, checkout_id, 400, error=message, picked=lines
        )
    return RedirectResponse(f"/kiosk/checkouts/{checkout_id}", status_code=303)


@router.post("/kiosk/checkouts/{checkout_id}/complete")
async def complete(
    request: Request, checkout_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    """The resident confirmed in the bot; the goods change hands now."""
    return await _finish(request, staff, uow, checkout_id, kiosk.complete)


@router.post("/kiosk/checkouts/{checkout_id}/cancel")
async def cancel(request: Request, checkout_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    return await _finish(request, staff, uow, checkout_id, kiosk.cancel)


async def _finish(
    request: Request, staff: StaffView, uow: UnitOfWork, checkout_id: int, step: Step
) -> Response:
    try:
        view = await step(uow, staff=staff, checkout_id=checkout_id, address=_client(request))
    except DomainError as error:
        message = _refusal(request, staff, error)
        return await _checkout_page(request, staff, uow, checkout_id, 400, error=message)
    if view.status == "cancelled":  # back to the counter, for the next resident
        return RedirectResponse(f"/kiosk/{view.outlet_id}", status_code=303)
    return RedirectResponse(f"/kiosk/checkouts/{checkout_id}", status_code=303)
