"""`moralbank try` started as a real process on the test's database, its chat page in
headless Chromium: a newcomer joins through the bot's whole flow, a resident reads their
points, and a broadcast sent from the panel in another tab arrives in the resident's."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect
from sqlalchemy import select

from core.clock import SystemClock
from core.db import Database
from core.i18n import Catalogues, Translator
from core.uow import UnitOfWork
from moralbank.demo_people import RESIDENT_CHATS
from moralbank.tryout.personas import demo_phone
from rewards.people.models import Person, PersonChannel, Resident
from rewards.points.wallet import my_wallet
from tests.browser import chromium, log_in, new_page
from tests.conftest import ON_POSTGRES
from tests.processes import Running, moralbank_env, moralbank_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    # Try mode is the demo, on the embedded database; its pages and bot are the same on both.
    pytest.mark.skipif(ON_POSTGRES, reason="try mode's pages: the SQLite pass runs them"),
]
READY = "Try the bot in a browser:"
# A reply goes through polling, the bot and the database; on a busy machine that can take
# longer than a page's usual wait, so every wait on these pages is the bot's.
BOT_WAIT = 30  # seconds
BOT_WAIT_MS = BOT_WAIT * 1000


@pytest.fixture(scope="module")
def zh() -> Translator:
    return Catalogues.load().translator("zh_Hans")


def _bot_says(page: Page, text: str) -> Locator:
    return page.locator("#messages li.bot").filter(has_text=text)


async def _send(page: Page, text: str) -> None:
    await page.get_by_placeholder("输入消息").fill(text)
    await page.get_by_role("button", name="发送", exact=True).click()


async def test_a_newcomer_joins_through_the_bot_and_waits_for_verification(
    database_url: str, tmp_path: Path, zh: Translator
) -> None:
    env = moralbank_env(database_url)
    async with (
        moralbank_run(
            env, args=("try",), ready_line=READY, cwd=tmp_path, start_within=120
        ) as running,
        chromium() as browser,
    ):
        assert f"{READY} {running.base_url}/try" in running.printed()
        page = await new_page(browser, timeout=BOT_WAIT)
        await page.goto(f"{running.base_url}/try")
        await page.get_by_role("button", name=zh("try.newcomer_zh")).click()
        await page.wait_for_url(f"{running.base_url}/try/chat/*")
        telegram_id = int(page.url.rsplit("/", 1)[1])
        await expect(page.locator("#empty-hint")).to_be_visible()

        await _send(page, "/start")
        await expect(_bot_says(page, "欢迎")).to_be_visible(timeout=BOT_WAIT_MS)
        await page.get_by_role("button", name=zh("join.agree")).click()
        await expect(page.locator("#toast")).to_have_text(zh("join.thanks"), timeout=BOT_WAIT_MS)
        await page.get_by_role("button", name=zh("join.share_phone")).click()
        await expect(_bot_says(page, zh("join.grid"))).to_be_visible(timeout=BOT_WAIT_MS)
        # The contact went as the persona's own, shown on the right as Telegram shows it.
        mine = page.locator("#messages li.mine").filter(has_text=demo_phone(telegram_id))
        await expect(mine).to_be_visible()
        await page.get_by_role("button", name="第一网格").click()
        await page.get_by_role("button", name=zh("join.new_household")).click()
        await expect(_bot_says(page, "已提交加入申请")).to_be_visible(timeout=BOT_WAIT_MS)
        # The main menu is now the keyboard under the input.
        await expect(page.get_by_role("button", name=zh("menu.points"))).to_be_visible()

    database = Database.from_url(database_url)
    try:
        async with database.read() as session:
            row = (
                await session.execute(
                    select(Person.phone, Resident.status)
                    .join(PersonChannel, PersonChannel.person_id == Person.id)
                    .join(Resident, Resident.person_id == Person.id)
                    .where(PersonChannel.external_id == telegram_id)
                )
            ).one()
    finally:
        await database.dispose()
    assert row == (demo_phone(telegram_id), "pending")


async def test_a_resident_reads_their_points_and_a_broadcast_arrives_from_the_panel(
    database_url: str, tmp_path: Path, zh: Translator
) -> None:
    # Quiet hours would hold the broadcast back until morning, whenever the test runs.
    env = moralbank_env(database_url, quiet_hours="")
    async with (
        moralbank_run(
            env, args=("try",), ready_line=READY, cwd=tmp_path, start_within=120
        ) as running,
        chromium() as browser,
    ):
        page = await new_page(browser, timeout=BOT_WAIT)
        await page.goto(f"{running.base_url}/try")
        resident = page.locator("ul[data-kind=resident] a").first
        telegram_id = int(await resident.get_attribute("data-telegram-id") or 0)
        await resident.click()
        await _send(page, "/start")
        await page.get_by_role("button", name=zh("menu.points")).click()
        balance = await _moral_balance(database_url, telegram_id - RESIDENT_CHATS)
        points = _bot_says(page, f"道德积分：{balance} 分")
        await expect(points).to_be_visible(timeout=BOT_WAIT_MS)
        assert str(balance) in await points.locator("b").all_inner_texts()  # HTML rendered

        await _broadcast_from_the_panel(
            await new_page(browser, timeout=BOT_WAIT), running, tmp_path
        )
        await expect(_bot_says(page, "周六上午九点")).to_be_visible(timeout=BOT_WAIT_MS)
    assert running.process.returncode == 0, running.printed()  # stopped cleanly


async def _broadcast_from_the_panel(panel: Page, running: Running, folder: Path) -> None:
    logins = dict(
        line.split()
        for line in (folder / "var/demo-logins.txt").read_text().splitlines()
        if not line.startswith("#")
    )
    await log_in(panel, running.base_url, "shequ", logins["shequ"])
    await panel.goto(f"{running.base_url}/broadcasts")
    await panel.get_by_label("幸福社区").check()
    await panel.get_by_label("通知内容").fill("本周六上午九点，楼下集合打扫卫生。")
    await panel.get_by_role("button", name="预览").click()
    await panel.get_by_role("button", name="发送给").click()


async def _moral_balance(database_url: str, person_id: int) -> int:
    database = Database.from_url(database_url)
    try:
        wallet = await my_wallet(
            UnitOfWork(database, SystemClock()), person_id=person_id, locale="zh_Hans",
            zone=ZoneInfo("Asia/Shanghai"),
        )  # fmt: skip
    finally:
        await database.dispose()
    return next(held.balance for held in wallet.balances if held.name == "道德积分")
