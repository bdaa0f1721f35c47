"""What the browser tests of the panel's look share: a page at a desktop's or a phone's
width in either language, logged in as staff do it, and the checks every page must pass
there (nothing wider than the screen; on an English page, no Chinese but data)."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Browser, Page
from sqlalchemy import Column, String, Text, select
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from core.uow import UnitOfWork
from moralbank.schema import product_metadata

WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}
# Chinese an English page rightly shows: the language switch names Chinese in Chinese,
# and the residents' guide shows how a masked name looks on a board.
WRITTEN_IN_CHINESE = {"中文", "张*红"}
# The innermost elements that reach past the screen's right edge, to name in a failure.
WIDEST = """() => {
  const past = e => e.getBoundingClientRect().right > window.innerWidth + 0.5;
  const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.className ? "." + String(e.className).trim().split(/\\s+/).join(".") : "");
  return [...document.querySelectorAll("body *")]
    .filter(e => past(e) && ![...e.children].some(past)).slice(0, 4).map(name);
}"""


async def logged_in(browser: Browser, base_url: str, language: str, size: str) -> Page:
    """The login page in `language` at `size`, chosen on the page as staff would (the
    demo's accounts speak Chinese)."""
    width, height = WIDTHS[size]
    context = await browser.new_context(
        locale=LANGUAGES[language], viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.goto(f"{base_url}/login")
    locale = "en" if language == "en" else "zh_Hans"
    await page.locator(f"button[name=locale][value={locale}]").click()
    await page.wait_for_url(f"{base_url}/login")
    return page


async def log_in_as(page: Page, base_url: str, username: str, password: str) -> None:
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(password)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.wait_for_url(f"{base_url}/")


async def data_of(uow: UnitOfWork, *, twins: bool = False) -> list[str]:
    """Every text the database holds in a column with no English twin (`name` beside
    `name_en` is the panel's to show in English; `name` alone is data, as is what
    residents wrote), longest first, to take out of a page before looking for Chinese.
    With `twins`, the twinned ones too: for a page where staff edit both names."""
    values: set[str] = set()
    async with uow.read() as session:
        for table in product_metadata().sorted_tables:
            for column in table.columns:
                if not _is_data(column, table.columns, twins):
                    continue
                found = await session.scalars(select(column).where(column.is_not(None)))
                values.update(value for value in found if value)
    return sorted(values | WRITTEN_IN_CHINESE, key=len, reverse=True)


def _is_data(
    column: Column[Any], columns: ReadOnlyColumnCollection[str, Column[Any]], twins: bool
) -> bool:
    english_twin = f"{column.name}_en" in columns or column.name.endswith("_en")
    return isinstance(column.type, String | Text) and (twins or not english_twin)


async def problems_on(page: Page, data: list[str] | None) -> list[str]:
    """What is wrong with the page shown: wider than the screen, or, when `data` is
    given (an English page), any Chinese left once the data is taken out."""
    found = []
    wider = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wider > 0:
        culprits = await page.evaluate(WIDEST)
        found.append(f"{wider}px wider than the screen: {culprits}")
    if data is not None:
        text = await page.locator("main").inner_text()
        for value in data:
            text = text.replace(value, "")
        left = sorted(set(re.findall(r"[\u4e00-\u9fff]+", text)))
        if left:
            found.append(f"Chinese left: {left[:8]}")
    return found
