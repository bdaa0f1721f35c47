"""Both ways at the love supermarket, end to end: the resident in the real bot through the
fake Bot API, the operator at the kiosk page in headless Chromium, over real sockets, one
database. Every QR is read off what was shown (the bot's photo, the page's screenshot),
as a scanner or a phone camera would."""

from __future__ import annotations

from io import BytesIO

import pytest
import zxingcpp
from fastapi import FastAPI
from PIL import Image
from playwright.async_api import Page, expect

from admin.app import create_app
from core.clock import SystemClock
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from tests.admin.kiosk_support import balance, stock
from tests.bot.outbox import sending
from tests.browser import chromium, new_page, serve
from tests.redemption.shop import SWEEPS, Shop, build_shop
from tests.rewards.community import PASSWORD
from tests.support import TEST_SECRET_KEY, make_settings

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("running_bot")]
BOT = "moral_bank_bot"


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, SystemClock())  # the bot keeps the real time too


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


@pytest.fixture
def panel(database: Database, catalogues: Catalogues) -> FastAPI:
    settings = make_settings(secret_key=TEST_SECRET_KEY, bot_username=BOT)
    return create_app(settings=settings, database=database, catalogues=catalogues)


def read_qr(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
    assert len(found) == 1, "one QR code in the picture"
    return str(found[0].text)


async def at_the_counter(page: Page, base_url: str, shop: Shop) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_label("用户名").fill("kiosk")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name="收银台").click()
    await page.wait_for_url(f"{base_url}/kiosk/{shop.outlet.id}")


async def test_a_pay_code_from_the_bot_is_scanned_at_the_kiosk_and_the_receipt_comes_back(
    fake_api: FakeBotAPI,
    shop: Shop,
    uow: UnitOfWork,
    panel: FastAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/pay")
    photo = await alice.expect_message(contains="付款码")
    assert photo.file_bytes is not None
    digits = read_qr(photo.file_bytes)
    async with (
        serve(panel) as base_url,
        chromium() as browser,
        sending(fake_api, database, database_url, catalogues),
    ):
        page = await new_page(browser)
        await at_the_counter(page, base_url, shop)
        await page.keyboard.type(digits)  # the USB scanner reading the phone's screen
        await page.keyboard.press("Enter")
        await expect(page.locator("#resident")).to_have_text("A***e")
        await page.locator('[data-code="6901"] .add').click()
        await page.get_by_role("button", name="确认兑换").click()
        await expect(page.get_by_role("status")).to_contain_text("兑换成功")
        # The outbox delivers her six award notices first, then the receipt.
        notices = [await alice.expect_message(timeout=15) for _ in range(SWEEPS)]
        assert all("您获得了积分" in (notice.text or "") for notice in notices)
        receipt = await alice.expect_message(contains="兑换成功", timeout=15)
    assert "肥皂 × 1" in (receipt.text or "")
    assert "剩余可用积分：20" in (receipt.text or "")
    assert await stock(uow, shop.soap.id) == 2
    assert await balance(uow, shop.town.alice) == SWEEPS * 5 - 10


async def test_the_kiosks_qr_opens_the_bot_and_the_residents_confirmation_reaches_the_page(
    fake_api: FakeBotAPI, shop: Shop, uow: UnitOfWork, panel: FastAPI
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await at_the_counter(page, base_url, shop)
        await page.locator('[data-code="6902"] .add').click()  # the rice, 25 points
        await page.get_by_role("button", name="居民扫码支付").click()
        shown = page.locator("#qr svg")
        await expect(shown).to_be_visible()
        link = read_qr(await page.locator("#qr").screenshot())
        prefix = f"https://t.me/{BOT}?start="
        assert link.startswith(prefix)
        payload = link[len(prefix) :]
        assert len(payload) <= 64
        await alice.send(f"/start {payload}")  # what Telegram sends when the link opens
        offer = await alice.expect_message(contains="爱心超市")
        assert "合计：25 分" in (offer.text or "")
        await alice.expect_callback_answer(await alice.press("✅ 确认兑换"))
        complete = page.get_by_role("button", name="完成 / Complete")
        await expect(complete).to_be_visible()  # the page moved on by itself
        assert await stock(uow, shop.rice.id) == 20  # held, not handed over yet
        await complete.click()
        await expect(page.get_by_role("status")).to_contain_text("兑换成功")
    assert await stock(uow, shop.rice.id) == 19
    assert await balance(uow, shop.town.alice) == SWEEPS * 5 - 25
