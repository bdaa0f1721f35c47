"""The outlet reports over HTTP: the page and its three workbooks after a real purchase."""

from __future__ import annotations

from io import BytesIO

import httpx
import pytest
from openpyxl import load_workbook

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.redemption import checkout as kiosk
from rewards.redemption.codes import issue_pay_code
from tests.admin.conftest import log_in
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import PASSWORD, START, ZONE


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, FrozenClock(START))


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    shop = await build_shop(uow)
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    started = await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=code.digits, address=None,
        zone=ZONE,
    )  # fmt: skip
    await kiosk.confirm(
        uow, staff=shop.operator, checkout_id=started.id, lines={shop.soap.id: 2}, address=None,
        zone=ZONE,
    )  # fmt: skip
    return shop


def sheet_rows(data: bytes) -> list[list[object]]:
    sheet = load_workbook(BytesIO(data)).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


async def test_the_reports_page_and_workbooks_show_the_day(
    shop: Shop, client: httpx.AsyncClient
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    day = START.astimezone(ZONE).date().isoformat()
    page = await client.get("/outlets/reports", params={"day": day})
    assert page.status_code == 200
    assert "爱心超市" in page.text
    assert "肥皂 × 2" in page.text
    settlement = await client.get("/outlets/reports/settlement.xlsx", params={"day": day})
    assert settlement.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(settlement.content)
    assert ["爱心超市", day, 1, 20, 20.0] in rows
    assert [None, "肥皂", 2, 20, 20] in rows  # an item line leaves the outlet blank
    stock = sheet_rows((await client.get("/outlets/reports/stock.xlsx")).content)
    assert ["爱心超市", "肥皂", "6901", 1, 1] in stock
    owed = sheet_rows((await client.get("/outlets/reports/liability.xlsx")).content)
    assert owed[1:] == [["community", "道德积分", 10, 10.0]]  # the type by its name


async def test_a_mistyped_day_is_said_and_others_are_refused(
    shop: Shop, client: httpx.AsyncClient
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    page = await client.get("/outlets/reports", params={"day": "2026-13-45"})
    assert page.status_code == 200
    assert "没看懂这个日期" in page.text
    await client.post("/logout", data={})
    client.cookies.clear()
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert (await client.get("/outlets/reports")).status_code == 403
    assert (await client.get("/outlets/reports/liability.xlsx")).status_code == 403
