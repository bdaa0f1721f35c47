"""Managing love supermarkets: opening an outlet, who works its counter, its shelf (goods
and fee offsets, prices, stock) and refunds of its recent sales. Every form calls one
service, which checks the staff member's right to manage outlets at the outlet's place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import CurrentStaff, Uow
from admin.params import IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from rewards.redemption.catalogue import (
    KINDS,
    LIMIT_PERIODS,
    ItemChange,
    add_item,
    change_item,
    restock,
)
from rewards.redemption.management import (
    list_operator,
    managed_outlets,
    outlet_page,
    remove_operator,
)
from rewards.redemption.outlets import create_outlet
from rewards.redemption.refunds import refund

router = page_router()
Text = Annotated[str, Form(max_length=120)]
Count = Annotated[int, Form(ge=0, le=1_000_000)]


@router.get("/outlets")
async def outlets(request: Request, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    page = await managed_outlets(uow, staff=staff)
    return render(request, "outlets.html", t, staff=staff, page=page)


@router.post("/outlets")
async def open_outlet(
    staff: CurrentStaff,
    uow: Uow,
    unit_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    code: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    name: Annotated[str, Form(min_length=1, max_length=120)],
    name_en: Text = "",
    opening_hours: Annotated[str, Form(max_length=120, pattern=r"^[0-9:,\- ]*$")] = "",
) -> Response:
    outlet = await create_outlet(
        uow,
        staff=staff,
        unit_id=unit_id,
        code=code,
        name=name,
        name_en=name_en or None,
        opening_hours=opening_hours.replace(" ", ""),
    )
    return RedirectResponse(f"/outlets/{outlet.id}", status_code=303)


@router.get("/outlets/{outlet_id}")
async def outlet(request: Request, outlet_id: IdPath, staff: CurrentStaff, uow: Uow) -> Response:
    t = translator_for(request, staff.language)
    page = await outlet_page(uow, staff=staff, outlet_id=outlet_id)
    return render(
        request, "outlet.html", t, staff=staff, page=page, kinds=KINDS, periods=LIMIT_PERIODS
    )


@router.post("/outlets/{outlet_id}/operators")
async def add_outlet_operator(
    outlet_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    username: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    await list_operator(uow, staff=staff, outlet_id=outlet_id, username=username)
    return RedirectResponse(f"/outlets/{outlet_id}", status_code=303)


@router.post("/outlets/{outlet_id}/operators/{operator_id}/remove")
async def remove_outlet_operator(
    outlet_id: IdPath, operator_id: IdPath, staff: CurrentStaff, uow: Uow
) -> Response:
    await remove_operator(uow, staff=staff, outlet_id=outlet_id, operator_id=operator_id)
    return RedirectResponse(f"/outlets/{outlet_id}", status_code=303)


@router.post("/outlets/{outlet_id}/items")
async def add_outlet_item(
    outlet_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    code: Annotated[str, Form(min_length=1, max_length=64)],
    name: Annotated[str, Form(min_length=1, max_length=120)],
    point_type: Annotated[str, Form(min_length=1, max_length=32)],
    price_points: Annotated[int, Form(ge=1, le=1_000_000)],
    value_yuan: Annotated[float, Form(ge=0, le=1_000_000)],
    kind: Annotated[str, Form(max_length=16)] = "goods",
    name_en: Text = "",
    stock: Count = 0,
    low_stock_at: Count = 0,
    limit_per_resident: Annotated[int | None, Form(ge=1, le=1000)] = None,
    limit_period: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    await add_item(
        uow,
        staff=staff,
        outlet_id=outlet_id,
        code=code.strip(),
        name=name,
        name_en=name_en or None,
        kind=kind,
        point_type=point_type,
        price_points=price_points,
        value_fen=round(value_yuan * 100),
        stock=stock,
        low_stock_at=low_stock_at,
        limit_per_resident=limit_per_resident,
        limit_period=limit_period or None,
    )
    return RedirectResponse(f"/outlets/{outlet_id}", status_code=303)


@router.post("/outlets/items/{item_id}")
async def change_outlet_item(
    item_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    name: Annotated[str, Form(min_length=1, max_length=120)],
    price_points: Annotated[int, Form(ge=1, le=1_000_000)],
    value_yuan: Annotated[float, Form(ge=0, le=1_000_000)],
    name_en: Text = "",
    low_stock_at: Count = 0,
    limit_per_resident: Annotated[int | None, Form(ge=1, le=1000)] = None,
    limit_period: Annotated[str, Form(max_length=16)] = "",
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    change = ItemChange(
        name=name,
        name_en=name_en or None,
        price_points=price_points,
        value_fen=round(value_yuan * 100),
        low_stock_at=low_stock_at,
        limit_per_resident=limit_per_resident,
        limit_period=limit_period or None,
        active=active == "on",
    )
    item = await change_item(uow, staff=staff, item_id=item_id, change=change)
    return RedirectResponse(f"/outlets/{item.outlet_id}", status_code=303)


@router.post("/outlets/items/{item_id}/restock")
async def restock_item(
    item_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    added: Annotated[int, Form(ge=-1_000_000, le=1_000_000)],
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    item = await restock(uow, staff=staff, item_id=item_id, added=added, reason=reason or None)
    return RedirectResponse(f"/outlets/{item.outlet_id}", status_code=303)


@router.post("/outlets/{outlet_id}/checkouts/{checkout_id}/refund")
async def refund_checkout(
    outlet_id: IdPath,
    checkout_id: IdPath,
    staff: CurrentStaff,
    uow: Uow,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    # The outlet in the path only says where to go back to: the service checks the
    # checkout's own outlet.
    await refund(uow, staff=staff, checkout_id=checkout_id, reason=reason)
    return RedirectResponse(f"/outlets/{outlet_id}", status_code=303)
