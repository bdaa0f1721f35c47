"""Managing outlets over HTTP: open one, list an operator, stock the shelf, refund a sale;
mistakes told in plain words and other places refused."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.redemption import checkout as kiosk
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.models import CatalogueItem, Checkout, Outlet, OutletOperator
from tests.admin.conftest import alert_text, csrf_of, log_in
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import PASSWORD, START, ZONE


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


async def test_an_outlet_is_opened_staffed_stocked_and_a_sale_refunded(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    token = await csrf_of(client, "/outlets")
    opened = await client.post(
        "/outlets",
        data={
            "unit_id": str(shop.town.units["grid-1"].id), "code": "g1", "name": "一网格超市",
            "opening_hours": "08:30-11:30, 14:00-17:30", "csrf_token": token,
        },
    )  # fmt: skip
    assert opened.status_code == 303
    path = opened.headers["location"]
    async with uow.read() as session:
        outlet = await session.scalar(select(Outlet).where(Outlet.code == "g1"))
    assert outlet is not None
    assert outlet.opening_hours == "08:30-11:30,14:00-17:30"
    listed = await client.post(
        f"{path}/operators", data={"username": "kiosk", "csrf_token": token}
    )
    assert listed.status_code == 303
    nobody = await client.post(
        f"{path}/operators", data={"username": "nobody", "csrf_token": token}
    )
    assert "没有这个用户名" in alert_text(nobody.text)
    added = await client.post(
        f"{path}/items",
        data={
            "code": "690", "name": "毛巾", "point_type": "moral", "price_points": "8",
            "value_yuan": "8.50", "stock": "4", "csrf_token": token,
        },
    )  # fmt: skip
    assert added.status_code == 303
    async with uow.read() as session:
        item = await session.scalar(select(CatalogueItem).where(CatalogueItem.code == "690"))
        operators = (await session.scalars(select(OutletOperator.outlet_id))).all()
    assert item is not None
    assert (item.value_fen, item.stock) == (850, 4)
    assert outlet.id in operators
    restocked = await client.post(
        f"/outlets/items/{item.id}/restock",
        data={"added": "6", "reason": "到货", "csrf_token": token},
    )
    assert restocked.status_code == 303
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    sale = await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits, address=None,
        zone=ZONE,
    )  # fmt: skip
    await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=sale.id, lines={shop.soap.id: 1}, address=None,
        zone=ZONE,
    )  # fmt: skip
    refund_path = f"/outlets/{shop.outlet.id}/checkouts/{sale.id}/refund"
    blank = await client.post(refund_path, data={"reason": " ", "csrf_token": token})
    assert blank.status_code == 400
    refunded = await client.post(refund_path, data={"reason": "坏了", "csrf_token": token})
    assert refunded.status_code == 303
    async with uow.read() as session:
        assert await session.scalar(select(Checkout.status).where(Checkout.id == sale.id)) == (
            "refunded"
        )
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert {"outlet.create", "outlet.operator_add", "outlet.item_add", "outlet.restock"} <= actions
    assert "checkout.refund" in actions


async def test_a_grid_worker_and_another_place_are_refused(
    shop: Shop, client: httpx.AsyncClient
) -> None:
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert (await client.get("/outlets")).status_code == 403
    assert (await client.get(f"/outlets/{shop.outlet.id}")).status_code == 403


async def test_the_shelf_is_edited_and_fees_settled_in_the_panel(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    started = await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits, address=None,
        zone=ZONE,
    )  # fmt: skip
    await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=started.id, lines={shop.water_fee.id: 1},
        address=None, zone=ZONE,
    )  # fmt: skip
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    token = await csrf_of(client, f"/outlets/{shop.outlet.id}")
    changed = await client.post(
        f"/outlets/items/{shop.rice.id}",
        data={
            "name": "大米 5 斤", "price_points": "30", "value_yuan": "15", "low_stock_at": "2",
            "limit_per_resident": "1", "limit_period": "month", "csrf_token": token,
        },  # no "active": the box unticked, the rice retired
    )  # fmt: skip
    assert changed.status_code == 303
    async with uow.read() as session:
        rice = await session.get(CatalogueItem, shop.rice.id)
        assert rice is not None
        assert (rice.name, rice.price_points, rice.value_fen, rice.active) == (
            "大米 5 斤", 30, 1500, False
        )  # fmt: skip
    page = await client.get("/outlets/fee-offsets")
    assert "水费抵扣" in page.text
    offset = re.search(r'name="ids" value="(\d+)"', page.text)
    assert offset is not None
    settled = await client.post(
        "/outlets/fee-offsets/settle",
        data={"ids": offset[1], "reference": "物业收据 0012", "csrf_token": token},
    )
    assert settled.status_code == 303
    after = await client.get(settled.headers["location"])
    assert "已结算 1 笔" in after.text
    assert 'name="ids"' not in after.text
