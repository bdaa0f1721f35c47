"""The committee drafts a board in headless Chromium: from the menu, the form with its
scope, a weight per point type and a fund for the top places; the board shows the
champion and the shares, and the printed notice downloads with the champion in it."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2
import pytest
from fastapi import FastAPI

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.points.awards import apply_rule
from rewards.staff.models import Role
from tests.browser import chromium, log_in, new_page, serve
from tests.rewards.community import ZONE, Community, build_community, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 20, 2, tzinfo=UTC))


@pytest.fixture
async def town(database: Database, clock: FrozenClock) -> Community:
    uow = UnitOfWork(database, clock)
    town = await build_community(uow)
    await make_staff(uow, "committee", Role.COMMITTEE_PUBLISHER, town.units["community"])
    clock.advance(datetime(2026, 4, 5, 2, tzinfo=UTC) - clock.now())
    for key, person in (("a1", town.alice), ("a2", town.alice), ("b1", town.bob)):
        await apply_rule(uow, staff=town.admin, person_id=person, rule_code="sweep",
                         request_key=key, zone=ZONE)  # fmt: skip
    clock.advance(datetime(2026, 7, 2, 2, tzinfo=UTC) - clock.now())
    return town


async def test_a_board_drafted_from_the_form_and_its_notice_printed(
    panel: FastAPI, town: Community
) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "committee")
        await page.get_by_role("link", name="排行榜", exact=True).click()
        await page.wait_for_url(f"{base_url}/rankings")

        await page.get_by_label("期间").fill("2026Q2")
        await page.get_by_label("对象").select_option("resident")
        await page.get_by_label("道德积分").fill("3")
        await page.get_by_label("奖励资金（元）").fill("90")
        await page.get_by_label("前几名分配").fill("2")
        await page.get_by_role("button", name="生成草稿").click()
        await page.wait_for_url(f"{base_url}/rankings/*")

        assert (
            await page.locator("[data-champion]").text_content() == "🏆 道德冠军：Alice（30 分）"
        )
        shares = page.locator("[data-shares] tbody tr")
        assert await shares.count() == 2
        assert await shares.nth(0).locator("td").all_text_contents() == ["1", "Alice", "30", "60"]
        assert await shares.nth(1).locator("td").all_text_contents() == ["2", "Bob", "15", "30"]

        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="打印公示").click()
        download = await download_info.value
        pdf = pypdfium2.PdfDocument((await download.path()).read_bytes())
        text = pdf[0].get_textpage().get_text_range()
        assert "道德冠军：A***e（30 分）" in text
        assert "第2名 B*b：分得 30 元" in text
