"""The statistics page in headless Chromium: reached from the menu, its charts drawn as
SVG in the page (no script), another period chosen in the form, and the workbook
downloaded from its link."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.cases import steps
from tests.browser import chromium, log_in, new_page, serve
from tests.cases.town import Town, build_town, reported
from tests.rewards.community import ZONE

pytestmark = pytest.mark.browser


@pytest.fixture
async def town(database: Database, clock: FrozenClock) -> Town:
    return await build_town(UnitOfWork(database, clock))


async def test_the_charts_show_this_quarter_and_the_form_picks_another_period(
    panel: FastAPI, database: Database, clock: FrozenClock, town: Town
) -> None:
    uow, people = UnitOfWork(database, clock), town.people
    first = await reported(uow, town, people.alice, town.litter)
    await reported(uow, town, people.bob, town.lamp)
    await steps.verify(uow, staff=people.grid1, case_id=first.id, version=None, zone=ZONE)
    last_year = clock.now().astimezone(ZONE).date() - timedelta(days=366)

    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "admin")
        await page.get_by_role("link", name="随手拍统计").click()
        await page.wait_for_url(f"{base_url}/cases/stats")

        charts = page.locator("svg.chart")
        await charts.first.wait_for()
        assert await charts.count() == 2
        states, closure = charts.nth(0), charts.nth(1)
        box = await states.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 100
        assert await states.locator("title").first.text_content() == "各状态的事件数"
        bars = {
            (await bar.locator("title").text_content() or "")
            for bar in await states.locator("rect").all()
        }
        assert {"已上报: 1", "已受理: 1", "处理中: 0"} <= bars
        assert await closure.locator("rect").count() == 2  # grid-1 and grid-2, 0% each
        assert await page.locator("[data-total] dd").first.text_content() == "2"

        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="下载 Excel").click()
        download = await download_info.value
        path = await download.path()
        book = load_workbook(io.BytesIO(path.read_bytes()))
        assert [cell.value for cell in book["合计"][2]][:3] == ["合计", 2, 0]

        await page.get_by_label("从").fill(last_year.isoformat())
        await page.get_by_label("到").fill(last_year.isoformat())
        await page.get_by_role("button", name="筛选").click()
        await page.wait_for_url(f"{base_url}/cases/stats?start={last_year}&end={last_year}")
        assert await page.locator("[data-total] dd").first.text_content() == "0"
        assert await page.get_by_text("这段时间没有上报。").count() == 4
        assert await charts.nth(1).locator("rect").count() == 0
