"""The panel built by `create_app` over a real database, reached over HTTP by httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from admin.app import create_app
from core.clock import FrozenClock
from core.db import Database
from core.files import LocalFileStorage
from core.i18n import Catalogues
from core.ratelimit import MemoryRateLimiter
from core.uow import UnitOfWork
from rewards.org.models import OrgLevel
from rewards.org.service import ensure_unit
from rewards.staff.models import Role
from rewards.staff.service import create_staff
from tests.support import TEST_SECRET_KEY, make_settings

PASSWORD = "a good long password"
# Tables a refused request still writes to, by design: every kiosk attempt is recorded,
# refused ones too (rewards.redemption.attempts), so guessing codes leaves a trace.
RECORDS_REFUSALS = frozenset({"redemption_attempts"})


@dataclass(frozen=True)
class Staff:
    username: str
    password: str
    display_name: str


async def make_grid_worker(
    uow: UnitOfWork, *, username: str = "wang", display_name: str = "王网格员"
) -> Staff:
    async with uow.write() as session:
        await ensure_unit(
            session, code="c", name="幸福社区", level=OrgLevel.COMMUNITY, parent_code=None
        )
        grid = await ensure_unit(
            session, code="g1", name="第一网格", level=OrgLevel.GRID, parent_code="c"
        )
    await create_staff(
        uow,
        username=username,
        display_name=display_name,
        password=PASSWORD,
        roles=[(Role.GRID_WORKER, grid.id)],
        actor_staff_id=None,
    )
    return Staff(username, PASSWORD, display_name)


@pytest.fixture
async def staff(uow: UnitOfWork) -> Staff:
    return await make_grid_worker(uow)


@pytest.fixture
def login_limit() -> int:
    return 50


@pytest.fixture
def clock() -> FrozenClock:
    """The panel's clock: lockouts and session lifetimes pass only when a test says so."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def panel(
    database: Database,
    catalogues: Catalogues,
    clock: FrozenClock,
    login_limit: int,
    files: LocalFileStorage,
) -> FastAPI:
    return create_app(
        settings=make_settings(secret_key=TEST_SECRET_KEY, files_dir=files.root),
        database=database,
        catalogues=catalogues,
        clock=clock,
        login_limiter=MemoryRateLimiter(limit=login_limit, window_seconds=60),
    )


@pytest.fixture
async def client(panel: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=panel)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def csrf_of(client: httpx.AsyncClient, path: str = "/login") -> str:
    page = await client.get(path)
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


def set_cookie(response: httpx.Response, name: str) -> str | None:
    """The Set-Cookie header `response` sends for cookie `name`, lower-cased, if any."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header.lower()
    return None


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def alert_text(html: str) -> str:
    """The message of a page's alert (the error page's sentence)."""
    start = html.index('role="alert">') + len('role="alert">')
    return html[start : html.index("<", start)]
