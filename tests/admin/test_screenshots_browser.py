"""The pictures of the panel the README shows: its main pages on the demo community, in
both languages, at a desktop's width and at a 390 px phone's, each checked as every page
is (tests/admin/test_every_page_browser.py). Taken on the SQLite pass only, so the two
passes never write the same file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from playwright.async_api import Page
from sqlalchemy import select

from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.uow import UnitOfWork
from moralbank.demo import load_demo
from rewards.people.models import Resident
from tests.admin.panel_browser import (
    LANGUAGES,
    WIDTHS,
    data_of,
    log_in_as,
    logged_in,
    problems_on,
)
from tests.browser import chromium, serve
from tests.conftest import ON_POSTGRES

pytestmark = [
    pytest.mark.browser,
    # One pass writes the pictures; pages look the same on either database.
    pytest.mark.skipif(ON_POSTGRES, reason="pictures from the SQLite pass only"),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def pages_of(uow: UnitOfWork) -> dict[str, str]:
    async with uow.read() as session:
        resident = await session.scalar(
            select(Resident.person_id).where(Resident.status == "verified").limit(1)
        )
    return {
        "home": "/",
        "residents": "/residents",
        "resident": f"/residents/{resident}",
        "audit": "/audit",
        "rules": "/rules",
        "rankings": "/rankings",
    }


async def test_main_pages_fit_a_phone_in_both_languages(
    panel: FastAPI,
    uow: UnitOfWork,
    tmp_path: Path,
    catalogues: Catalogues,
    files: LocalFileStorage,
) -> None:
    logins = await load_demo(uow, tmp_path / "logins.txt", ZoneInfo("Asia/Shanghai"), 50, files)
    pages = await pages_of(uow)
    data = await data_of(uow)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with serve(panel) as base_url, chromium() as browser:
        for language in LANGUAGES:
            for size in WIDTHS:
                page = await logged_in(browser, base_url, language, size)
                await _shoot(page, f"login-{language}-{size}")
                await log_in_as(page, base_url, "admin", logins["admin"])
                for name, path in pages.items():
                    await page.goto(f"{base_url}{path}")
                    await _shoot(page, f"{name}-{language}-{size}")
                    found = await problems_on(page, data if language == "en" else None)
                    assert not found, (path, language, size, found)
                await page.context.close()


async def _shoot(page: Page, name: str) -> None:
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
