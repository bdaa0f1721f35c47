"""The kiosk in headless Chromium, as at the counter: a USB scanner types the resident's
pay code and Enter, the operator taps goods and confirms, the receipt is on screen; and
the other way round, goods first, a QR, the resident confirms in the bot, and the page
moves on by itself to the Complete button."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.async_api import Page, expect
from sqlalchemy import select

from admin.app import create_app
from core.clock import FrozenClock
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from rewards.redemption import checkout as kiosk
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.models import Checkout
from tests.admin.kiosk_support import balance, stock
from tests.browser import chromium, new_page, serve
from tests.redemption.shop import SWEEPS, Shop, build_shop
from tests.rewards.community import PASSWORD, START, ZONE
from tests.support import TEST_SECRET_KEY, make_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


@pytest.fixture
def panel(database: Database, catalogues: Catalogues, clock: FrozenClock) -> FastAPI:
    settings = make_settings(secret_key=TEST_SECRET_KEY, bot_username="moral_bank_bot")
    return create_app(settings=settings, database=database, catalogues=catalogues, clock=clock)


async def at_the_counter(page: Page, base_url: str, shop: Shop) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_label("用户名").fill("kiosk")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name="收银台").click()
    await page.wait_for_url(f"{base_url}/kiosk/{shop.outlet.id}")  # their only outlet


async def test_a_scanned_pay_code_buys_what_was_tapped(
    shop: Shop, uow: UnitOfWork, panel: FastAPI
) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await at_the_counter(page, base_url, shop)
        camera = page.get_by_role("button", name="用摄像头扫码")
        if await page.evaluate("'BarcodeDetector' in window"):
            await expect(camera).to_be_visible()
        else:
            await expect(camera).to_be_hidden()
        await expect(page.get_by_label("扫描或输入付款码")).to_be_focused()
        await page.keyboard.type(code.digits)  # what a USB scanner does
        await page.keyboard.press("Enter")
        await expect(page.locator("#resident")).to_have_text("A***e")
        await expect(page.locator("#redeemable")).to_have_text(str(SWEEPS * 5))
        await page.locator('[data-code="6901"] .add').click()  # a tap on the soap
        await expect(page.locator("#total")).to_have_text("10")
        await expect(page.get_by_label("扫描或输入商品条码")).to_be_focused()
        await page.keyboard.type("6901")  # the soap's label, through the scanner
        await page.keyboard.press("Enter")
        await expect(page.locator("#total")).to_have_text("20")
        await page.get_by_role("button", name="确认兑换").click()
        await expect(page.get_by_role("status")).to_contain_text("兑换成功")
        await expect(page.locator("#receipt-total")).to_have_text("20")
        await page.get_by_role("link", name="下一位").click()
        await expect(page.get_by_label("扫描或输入付款码")).to_be_focused()
    assert await stock(uow, shop.soap.id) == 1
    assert await balance(uow, shop.town.alice) == SWEEPS * 5 - 20


async def test_a_qr_confirmed_in_the_bot_is_completed_at_the_counter(
    shop: Shop, uow: UnitOfWork, panel: FastAPI
) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await at_the_counter(page, base_url, shop)
        await page.locator('[data-code="6902"] .add').click()  # the rice
        await expect(page.locator("#total")).to_have_text("25")
        await page.get_by_role("button", name="居民扫码支付").click()
        await expect(page.locator("#qr svg")).to_be_visible()
        await expect(page.locator("#receipt-total")).to_have_text("25")
        shown = await page.locator("#qr").inner_html()
        await page.reload()  # a reload shows the same QR and offers nothing again
        await expect(page.locator("#qr svg")).to_be_visible()
        assert await page.locator("#qr").inner_html() == shown
        async with uow.read() as session:
            offers = (await session.scalars(select(Checkout))).all()
        assert [checkout.status for checkout in offers] == ["offered"]
        offered = offers[0]
        # The resident, in the bot, confirms; nobody touches the kiosk.
        await kiosk.resident_confirm(
            uow, person_id=shop.town.alice, checkout_id=offered.id, zone=ZONE
        )
        complete = page.get_by_role("button", name="完成 / Complete")
        await expect(complete).to_be_visible()
        await expect(page.get_by_role("status")).to_contain_text("A***e")
        assert await stock(uow, shop.rice.id) == 20  # held, not handed over yet
        await complete.click()
        await expect(page.get_by_role("status")).to_contain_text("兑换成功")
        await expect(page.locator("#receipt-total")).to_have_text("25")
    assert await stock(uow, shop.rice.id) == 19
    assert await balance(uow, shop.town.alice) == SWEEPS * 5 - 25
    async with uow.read() as session:
        status = await session.scalar(select(Checkout.status).where(Checkout.id == offered.id))
    assert status == "completed"
