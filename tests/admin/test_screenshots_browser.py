"""The panel's main pages on the demo community, in both languages, at a desktop's width
and at a 390 px phone's: nothing is wider than the screen, and the pictures the README
shows are taken from them (on the SQLite pass only, so the two passes never write the
same file)."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page
from sqlalchemy import select

from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.uow import UnitOfWork
from moralbank.demo import load_demo
from rewards.org.models import OrgUnit
from rewards.people.models import Resident
from rewards.staff.models import StaffAccount
from tests.browser import chromium, serve
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}


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


async def logged_in(browser: Browser, base_url: str, language: str, size: str) -> Page:
    width, height = WIDTHS[size]
    context = await browser.new_context(
        locale=LANGUAGES[language], viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.goto(f"{base_url}/login")
    # The accounts speak Chinese: English is chosen on the login page, as staff would.
    locale = "en" if language == "en" else "zh_Hans"
    await page.locator(f"button[name=locale][value={locale}]").click()
    await page.wait_for_url(f"{base_url}/login")
    return page


async def log_in_as(page: Page, base_url: str, username: str, password: str) -> None:
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(password)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.wait_for_url(f"{base_url}/")


def chinese_of_the_panel(catalogues: Catalogues) -> set[str]:
    """Runs of three or more Chinese characters in the Chinese catalogue's texts: any of
    them on an English page is a text left untranslated (names are shorter, or data)."""
    texts = catalogues.translator("zh_Hans").messages.values()
    return {run for text in texts for run in re.findall(r"[\u4e00-\u9fff]{3,}", text)}


async def test_main_pages_fit_a_phone_in_both_languages(
    panel: FastAPI,
    uow: UnitOfWork,
    tmp_path: Path,
    catalogues: Catalogues,
    files: LocalFileStorage,
) -> None:
    chinese = chinese_of_the_panel(catalogues)
    logins = await load_demo(uow, tmp_path / "logins.txt", ZoneInfo("Asia/Shanghai"), 50, files)
    pages = await pages_of(uow)
    async with uow.read() as session:
        names = [*await session.scalars(select(StaffAccount.display_name))]
        names += [*await session.scalars(select(OrgUnit.name))]
    if not ON_POSTGRES:
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
                    wider = await page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
                    assert wider <= 0, f"{path} is {wider}px wider than a {size} ({language})"
                    text = await page.locator("main").inner_text()
                    if language == "en":  # no Chinese of the panel's own on an English page
                        for name in names:  # data, not the panel's words
                            text = text.replace(name, "")
                        left = [words for words in chinese if words in text]
                        assert not left, (path, left)
                await page.context.close()


async def _shoot(page: Page, name: str) -> None:
    if not ON_POSTGRES:
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
