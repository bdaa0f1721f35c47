"""Redemption as the resident does it in the bot: the pay code from the main menu (a QR
the kiosk's scanner reads, its digits underneath) and a kiosk's checkout opened by its
deep link and confirmed — through the real dispatcher and the fake Bot API, checked
against the kiosk's own services and the books."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from bot.qr import qr_png
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from fakebotapi.state import BotMessage
from ledger.models import Hold
from rewards.points.wallet import my_wallet
from rewards.redemption import checkout as kiosk
from rewards.redemption.errors import CodeUsed
from rewards.redemption.models import Checkout
from tests.bot.menu import MAIN_MENU_ZH
from tests.redemption.shop import Shop, build_shop
from tests.rewards.community import ZONE

pytestmark = pytest.mark.usefixtures("running_bot")

GROUPED = re.compile(r"\b(\d{4}) (\d{4}) (\d{4})\b")


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


def code_in(message: BotMessage) -> str:
    """The twelve digits the caption shows, as the operator would type them."""
    match = GROUPED.search(message.text or "")
    assert match is not None, message.text
    return "".join(match.groups())


async def scan(uow: UnitOfWork, shop: Shop, digits: str) -> kiosk.CheckoutView:
    return await kiosk.scan(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, digits=digits, address=None,
        zone=ZONE,
    )  # fmt: skip


async def spendable(uow: UnitOfWork, person_id: int) -> int:
    wallet = await my_wallet(uow, person_id=person_id, locale="zh_Hans", zone=ZONE)
    return sum(held.redeemable_now for held in wallet.balances)


async def answered(fake_api: FakeBotAPI, method: str, count: int) -> None:
    """Until the fake server has answered `count` calls of `method`."""
    for _ in range(100):
        calls = fake_api.calls_of(method)
        if len(calls) >= count and all(call.ok is not None for call in calls):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{method} was not called {count} times")


async def holds(uow: UnitOfWork) -> list[tuple[int, str]]:
    async with uow.read() as session:
        return [(h.amount, h.status) for h in await session.scalars(select(Hold))]


async def test_the_menu_button_shows_a_qr_of_a_code_the_kiosk_accepts(
    fake_api: FakeBotAPI, uow: UnitOfWork, shop: Shop
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/start")
    await alice.expect_message()  # the welcome
    await alice.expect_message(contains="下方菜单")
    assert alice.reply_keyboard == MAIN_MENU_ZH
    await alice.tap_reply_button("💳 付款码")
    photo = await alice.expect_message(contains="付款码")
    assert photo.kind == "photo"
    assert "2 分钟内有效" in (photo.text or "")
    digits = code_in(photo)
    assert photo.file_bytes is not None
    assert photo.file_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    # The QR holds exactly the digits: the image is the one they make, byte for byte.
    assert photo.file_bytes == qr_png(digits)
    assert photo.buttons() == [["🔄 刷新"]]
    opened = await scan(uow, shop, digits)
    assert opened.person_id == shop.town.alice
    assert opened.status == "open"


async def test_refresh_retires_the_code_shown_and_the_new_one_works(
    fake_api: FakeBotAPI, uow: UnitOfWork, shop: Shop
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/pay")
    first = await alice.expect_message(contains="付款码")
    answer = await alice.expect_callback_answer(await alice.press("🔄 刷新", message=first))
    assert not answer.get("show_alert")
    second = await alice.expect_message(contains="付款码")
    assert second.kind == "photo"
    assert code_in(second) != code_in(first)
    assert second.file_bytes == qr_png(code_in(second))
    # No stale code is left on the screen.
    assert await alice.changed.wait_for(lambda: first.deleted, timeout=5)
    with pytest.raises(CodeUsed):
        await scan(uow, shop, code_in(first))
    assert (await scan(uow, shop, code_in(second))).person_id == shop.town.alice


async def test_a_resident_not_verified_is_told_why_and_gets_no_code(
    fake_api: FakeBotAPI, shop: Shop
) -> None:
    carol = fake_api.user(503, first_name="卡罗尔", language_code="zh-hans")
    await carol.send("/pay")
    refusal = await carol.expect_message(contains="还没有通过社区审核")
    assert refusal.kind == "text"
    assert fake_api.calls_of("sendPhoto") == []


async def test_a_kiosk_link_shows_the_checkout_and_confirming_holds_the_points_once(
    fake_api: FakeBotAPI, uow: UnitOfWork, shop: Shop
) -> None:
    offer = await kiosk.offer(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, lines={shop.soap.id: 2},
        address=None, zone=ZONE,
    )  # fmt: skip
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send(f"/start co_{offer.link_secret}")
    shown = await alice.expect_message(contains="爱心超市")
    text = shown.text or ""
    assert "肥皂 × 2：20 分" in text
    assert "合计：20 分" in text
    assert "您可兑换的积分：30 分" in text
    assert shown.button_data("✅ 确认兑换") == f"co:{offer.id}"
    answer = await alice.expect_callback_answer(await alice.press("✅ 确认兑换"))
    assert not answer.get("show_alert")
    assert await alice.changed.wait_for(lambda: shown.edits == 1, timeout=5)
    assert "已为这笔兑换冻结 20 分" in (shown.text or "")
    assert "还可兑换：10 分" in (shown.text or "")
    assert shown.buttons() == []
    assert await holds(uow) == [(20, "pending")]
    assert await spendable(uow, shop.town.alice) == 10
    # A second tap (an old client still showing the button) changes nothing, and is no
    # failure either: the same text again is an edit Telegram refuses.
    again = await alice.press_data(f"co:{offer.id}", message=shown)
    assert not (await alice.expect_callback_answer(again)).get("show_alert")
    await answered(fake_api, "editMessageText", 2)
    with pytest.raises(AssertionError, match="no new message"):
        await alice.expect_message(timeout=0.5)
    assert shown.edits == 1
    assert await holds(uow) == [(20, "pending")]
    assert await spendable(uow, shop.town.alice) == 10
    async with uow.read() as session:
        status = await session.scalar(select(Checkout.status).where(Checkout.id == offer.id))
    assert status == "held"
    # The kiosk hands the goods over: the points held are the points spent.
    done = await kiosk.complete(uow, staff=shop.operator, checkout_id=offer.id, address=None)
    assert done.status == "completed"
    assert await spendable(uow, shop.town.alice) == 10


async def test_refusals_come_in_the_residents_language(
    fake_api: FakeBotAPI, uow: UnitOfWork, shop: Shop
) -> None:
    offer = await kiosk.offer(
        uow, staff=shop.operator, outlet_id=shop.outlet.id, lines={shop.rice.id: 1},
        address=None, zone=ZONE,
    )  # fmt: skip
    bob = fake_api.user(502, first_name="Bob", language_code="en")
    await bob.send(f"/start co_{offer.link_secret}")
    shown = await bob.expect_message(contains="Redeeming at")
    assert "Rice × 1: 25 points" in (shown.text or "")
    assert "Your points to spend: 0" in (shown.text or "")
    answer = await bob.expect_callback_answer(await bob.press("✅ Confirm"))
    assert answer["show_alert"] is True
    assert answer["text"] == "Not enough points: 25 needed, 0 available."
    assert await holds(uow) == []
    # Alice takes it; the link is hers now, and Bob hears it is gone.
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send(f"/start co_{offer.link_secret}")
    await alice.expect_message(contains="大米 × 1：25 分")
    await alice.expect_callback_answer(await alice.press("✅ 确认兑换"))
    await bob.send(f"/start co_{offer.link_secret}")
    await bob.expect_message(contains="This checkout was not found.")
    await bob.send("/start co_short")
    await bob.expect_message(contains="This checkout was not found.")


@pytest.mark.parametrize(
    "data", ["co:abc", "co:0", "co:-1", "co:99999999999999999999", "co:", "co:1:2", "pc:x"]
)
async def test_a_malformed_button_gets_a_polite_answer(
    fake_api: FakeBotAPI, uow: UnitOfWork, shop: Shop, data: str
) -> None:
    alice = fake_api.user(501, first_name="爱丽丝", language_code="zh-hans")
    await alice.send("/pay")
    photo = await alice.expect_message(contains="付款码")
    answer = await alice.expect_callback_answer(await alice.press_data(data, message=photo))
    assert answer["show_alert"] is True
    assert answer["text"] == "这个按钮已经过期了，请重新发送 /start。"
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(Checkout)) == 0
