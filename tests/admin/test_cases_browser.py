"""Triage in headless Chromium, as grid and community staff work it: the queue filtered
to overdue cases, the case page with its clean photo, accept, resolve with a photo of the
fix chosen from disk, the community's check and close, and the statistics' charts; then
what the database holds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.files import LocalFileStorage
from core.uow import UnitOfWork
from rewards.cases.models import Case, CasePhoto
from rewards.cases.photos import keep_photo
from rewards.cases.reporting import add_photo, open_draft, set_category, set_location
from rewards.cases.steps import submit
from tests.browser import chromium, log_in, new_page, serve
from tests.cases.images import camera_jpeg
from tests.cases.town import NEAR, Town, build_town

pytestmark = pytest.mark.browser


@pytest.fixture
async def town(database: Database, clock: FrozenClock) -> Town:
    return await build_town(UnitOfWork(database, clock))


async def test_a_case_is_accepted_resolved_with_an_uploaded_photo_and_closed(
    panel: FastAPI,
    database: Database,
    clock: FrozenClock,
    town: Town,
    files: LocalFileStorage,
    tmp_path: Path,
) -> None:
    uow = UnitOfWork(database, clock)
    alice = town.people.alice
    draft = await open_draft(uow, person_id=alice)
    kept = await keep_photo(files, camera_jpeg(51))
    await add_photo(uow, person_id=alice, case_id=draft.id, photo=kept)
    await set_location(uow, person_id=alice, case_id=draft.id, latitude=NEAR[0], longitude=NEAR[1])
    await set_category(uow, person_id=alice, case_id=draft.id, category_id=town.litter)
    case = await submit(uow, person_id=alice, case_id=draft.id)
    clock.advance(timedelta(hours=13))  # past the 12 hours to acknowledge it
    fix = tmp_path / "fix.jpg"
    fix.write_bytes(camera_jpeg(52))

    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await log_in(page, base_url, "grid1")
        await page.get_by_role("link", name="随手拍事件").click()
        await page.get_by_label("只看超时").check()
        await page.get_by_role("button", name="筛选").click()
        await page.get_by_role("link", name=str(case.id), exact=True).click()
        photo = page.get_by_role("img", name="上报照片")
        await photo.wait_for()
        assert await photo.evaluate("img => img.complete && img.naturalWidth > 0")
        await page.get_by_role("button", name="受理", exact=True).click()
        await page.get_by_role("status").wait_for()
        await page.get_by_label("处理后的照片").set_input_files(str(fix))
        await page.get_by_role("button", name="已处理", exact=True).click()
        await page.get_by_role("status").wait_for()
        assert await page.get_by_role("img", name="处理后照片").count() == 1

        page = await new_page(browser)
        await log_in(page, base_url, "deputy")
        await page.goto(f"{base_url}/cases/{case.id}")
        await page.get_by_role("button", name="核查办结").click()
        await page.get_by_role("status").wait_for()
        await page.goto(f"{base_url}/cases")
        await page.get_by_role("link", name="统计").click()
        charts = page.locator("svg.chart")
        await charts.first.wait_for()
        assert await charts.count() == 2
        box = await charts.nth(1).bounding_box()  # closure by grid: grid-1 at 100%
        assert box is not None
        assert box["width"] > 100
        assert "100%" in await charts.nth(1).inner_html()

    async with database.read() as session:
        row = await session.get(Case, case.id)
        kinds = list(
            await session.scalars(
                select(CasePhoto.kind).where(CasePhoto.case_id == case.id).order_by(CasePhoto.id)
            )
        )
    assert row is not None
    assert row.status == "closed"
    assert kinds == ["report", "proof"]
