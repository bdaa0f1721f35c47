"""A broadcast from the panel, in headless Chromium: choose a grid, preview who it reaches,
send, and watch the page's bar fill as the outbox sender delivers to the fake Telegram."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.async_api import expect

from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from tests.bot.outbox import sending
from tests.browser import chromium, log_in, new_page, serve
from tests.rewards.community import Community, build_community

pytestmark = pytest.mark.browser
TEXT = "本周六上午九点，楼下集合打扫卫生。"


@pytest.fixture
async def town(uow: UnitOfWork) -> Community:
    return await build_community(uow)


async def test_a_broadcast_to_a_grid_is_previewed_sent_and_followed_live(
    town: Community,
    panel: FastAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
) -> None:
    async with FakeBotAPI() as api, sending(api, database, database_url, catalogues):
        for chat in (501, 502, 503):  # Alice (grid 1), Bob (grid 2), Carol (unverified)
            api.user(chat).has_chat = True
        async with serve(panel) as base_url, chromium() as browser:
            page = await new_page(browser)
            await log_in(page, base_url, "admin")
            await page.get_by_role("link", name="群发通知").click()
            await page.get_by_label("grid-1").check()
            await page.get_by_label("通知内容").fill(TEXT)
            await page.get_by_role("button", name="预览").click()
            await expect(page.get_by_role("status")).to_contain_text("将发给 1 位已审核的居民")
            await page.get_by_role("button", name="发送给 1 位居民").click()
            await expect(page.locator("#state")).to_have_text("已发送完毕", timeout=15_000)
            assert await page.locator("#sent").inner_text() == "1"
            assert await page.locator("#bar").get_attribute("value") == "1"
    delivered = [m.text for m in api.user(501).messages]
    assert delivered == [TEXT]
    assert api.user(502).messages == []  # grid 2
    assert api.user(503).messages == []  # not verified
