"""Logging in to the panel in headless Chromium, as a staff member would."""

from __future__ import annotations

import os

import pytest
from fastapi import FastAPI

from tests.admin.conftest import Staff
from tests.browser import chromium, serve

pytestmark = pytest.mark.browser


async def test_staff_logs_in_and_sees_their_duties(panel: FastAPI, staff: Staff) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await browser.new_page(locale="zh-CN")
        await page.goto(f"{base_url}/")
        assert page.url.endswith("/login")
        assert await page.locator("h1").inner_text() == "工作人员登录"
        await page.get_by_label("用户名").fill(staff.username)
        await page.get_by_label("密码").fill(staff.password)
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_url(f"{base_url}/")
        assert "您好，王网格员" in await page.locator("h1").inner_text()
        assert "第一网格" in await page.locator(".roles").inner_text()
        if shots := os.environ.get("MORALBANK_SCREENSHOTS"):
            await page.screenshot(path=f"{shots}/panel-home.png", full_page=True)
        await page.get_by_role("button", name="退出登录").click()
        await page.wait_for_url(f"{base_url}/login")


async def test_a_wrong_password_keeps_the_door_shut(panel: FastAPI, staff: Staff) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await browser.new_page(locale="zh-CN")
        await page.goto(f"{base_url}/login")
        await page.get_by_label("用户名").fill(staff.username)
        await page.get_by_label("密码").fill("not the password")
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_load_state()
        assert await page.get_by_role("alert").inner_text() == "用户名或密码不正确。"
        assert page.url.endswith("/login")
        cookies = {c["name"]: c for c in await page.context.cookies()}
        # A session cookie holds the login form's CSRF token, but no login.
        await page.goto(f"{base_url}/")
        assert page.url.endswith("/login")
        if shots := os.environ.get("MORALBANK_SCREENSHOTS"):
            await page.screenshot(path=f"{shots}/panel-login-refused.png", full_page=True)
        assert cookies["moralbank_session"]["httpOnly"]


async def test_the_panel_switches_to_english(panel: FastAPI) -> None:
    async with serve(panel) as base_url, chromium() as browser:
        page = await browser.new_page(locale="zh-CN")
        await page.goto(f"{base_url}/login")
        await page.get_by_role("button", name="English").click()
        await page.wait_for_load_state()
        assert await page.locator("h1").inner_text() == "Staff login"
        assert await page.locator("html").get_attribute("lang") == "en"
