"""Logging in to the panel in headless Chromium, as a staff member would."""

from __future__ import annotations

import os

import pytest
from fastapi import FastAPI
from playwright.async_api import Page

from tests.admin.conftest import Staff
from tests.browser import chromium, new_page, serve

pytestmark = pytest.mark.browser


async def _screenshot(page: Page, name: str) -> None:
    """Saved only when MORALBANK_SCREENSHOTS names a folder, for a person to look at."""
    if folder := os.environ.get("MORALBANK_SCREENSHOTS"):
        await page.screenshot(path=os.path.join(folder, name), full_page=True)


async def _submit_login(page: Page, username: str, password: str) -> None:
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def test_staff_logs_in_and_sees_their_duties(panel: FastAPI, staff: Staff) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await page.goto(f"{base_url}/")
        assert page.url == f"{base_url}/login"
        assert await page.locator("html").get_attribute("lang") == "zh-Hans"
        assert await page.locator("h1").inner_text() == "工作人员登录"
        await _submit_login(page, staff.username, staff.password)
        await page.wait_for_url(f"{base_url}/")
        assert await page.locator("h1").inner_text() == "您好，王网格员"
        duties = await page.locator(".roles").inner_text()
        assert "网格员" in duties
        assert "第一网格" in duties
        await _screenshot(page, "panel-home.png")
        await page.get_by_role("button", name="退出登录").click()
        await page.wait_for_url(f"{base_url}/login")
        await page.goto(f"{base_url}/")
        assert page.url == f"{base_url}/login"


async def test_a_wrong_password_keeps_the_door_shut(panel: FastAPI, staff: Staff) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await page.goto(f"{base_url}/login")
        await _submit_login(page, staff.username, "not the password")
        await page.get_by_role("alert").wait_for()
        assert await page.get_by_role("alert").inner_text() == "用户名或密码不正确。"
        assert page.url == f"{base_url}/login"
        assert await page.get_by_label("用户名").input_value() == staff.username
        assert await page.get_by_label("密码").input_value() == ""
        await _screenshot(page, "panel-login-refused.png")
        # The cookie holds the login form's CSRF token, but no login: home stays shut.
        cookies = {c["name"]: c for c in await page.context.cookies()}
        assert cookies["moralbank_session"]["httpOnly"]
        await page.goto(f"{base_url}/")
        assert page.url == f"{base_url}/login"


async def test_the_panel_switches_to_english(panel: FastAPI) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await new_page(browser)
        await page.goto(f"{base_url}/login")
        await page.get_by_role("button", name="English").click()
        await page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.url == f"{base_url}/login"
        assert await page.locator("h1").inner_text() == "Staff login"
