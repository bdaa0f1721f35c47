"""Real pages in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright
from starlette.types import ASGIApp

from tests.rewards.community import PASSWORD

CHROMIUM = Path(os.environ.get("MORALBANK_CHROMIUM", "/usr/bin/chromium"))
# Without these Chromium contacts update and sync services at start; tests run offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    reason = (
        f"BROWSER TESTS NOT RUN: no Chromium at {CHROMIUM}. Install Debian's 'chromium' "
        "package or point MORALBANK_CHROMIUM at one; MORALBANK_REQUIRE_BROWSER=1 makes this fail."
    )
    if os.environ.get("MORALBANK_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@asynccontextmanager
async def serve(app: ASGIApp, *, timeout: float = 10) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free loopback port in this event loop; yields its
    base URL. Start-up and shut-down each wait at most `timeout` seconds."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(timeout):
            while not server.started:
                if task.done():  # failed to start (e.g. could not bind): say why
                    task.result()
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(timeout):
            await task


async def new_page(browser: Browser, *, locale: str = "zh-CN", timeout: float = 10) -> Page:
    """A page in a fresh context whose every wait gives up after `timeout` seconds."""
    context = await browser.new_context(locale=locale)
    context.set_default_timeout(timeout * 1000)
    context.set_default_navigation_timeout(timeout * 1000)
    return await context.new_page()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield browser
        finally:
            await browser.close()


async def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Through the login form, as staff do, to the home page."""
    await page.goto(f"{base_url}/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{base_url}/")
