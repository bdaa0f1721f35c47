"""Every page of the panel, on the demo community, as the system administrator who may
see them all (and the counter as its cashier): at a 390 px phone's width in both
languages and at a desktop's in English, each answers, is no wider than the screen, and
an English page has no Chinese left in it but data (names of people, places, goods, what
residents wrote); a name with an English twin must be shown in English.

Pages look the same on either database, so this runs on the SQLite pass only."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from core.files import LocalFileStorage
from core.uow import UnitOfWork
from moralbank.demo import load_demo
from rewards.cases.models import Case
from rewards.duty.models import DutyShift
from rewards.messaging.broadcasts import sender_of, start_broadcast
from rewards.messaging.models import Broadcast
from rewards.people.models import Household, Resident
from rewards.points.models import Rule
from rewards.rankings.models import RankingBoard
from rewards.redemption.models import Outlet
from rewards.staff.service import staff_by_username
from tests.admin.panel_browser import data_of, log_in_as, logged_in, problems_on
from tests.browser import chromium, serve
from tests.conftest import ON_POSTGRES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(ON_POSTGRES, reason="pages look the same on both: SQLite pass only"),
]
SIZES = (("en", "phone"), ("zh", "phone"), ("en", "desktop"))
PAGES = (
    "/", "/residents", "/households", "/adjustments", "/rules", "/rules/new",
    "/rule-approvals", "/audit", "/broadcasts", "/cases", "/cases/categories",
    "/cases/places", "/cases/stats", "/duty", "/outlets", "/outlets/fee-offsets",
    "/outlets/reports", "/rankings", "/telegram", "/guide/staff",
    "/guide/residents",
)  # fmt: skip

# Where staff edit a thing's Chinese name and its English one side by side.
BOTH_NAMES = ("/cases/categories", "/cases/places")


# Pages about one thing, each shown for the demo's first.
ABOUT_ONE = {
    "/residents/{person_id}": select(Resident.person_id).where(Resident.status == "verified"),
    "/households/{household_id}": select(Household.id),
    "/rules/{code}/edit": select(Rule.code),
    "/rules/{code}/history": select(Rule.code),
    "/broadcasts/{broadcast_id}": select(Broadcast.id),
    "/cases/{case_id}": select(Case.id),
    "/duty/shifts/{shift_id}": select(DutyShift.id),
    "/outlets/{outlet_id}": select(Outlet.id),
    "/rankings/{board_id}": select(RankingBoard.id),
}
COUNTER = ("/kiosk", "/kiosk/{outlet_id}")
# What a GET answers that is not a page: files, the pages' polling, probes, the login.
NOT_PAGES = re.compile(
    r"\.(xlsx|pdf|json)$|/(qr|state|progress|voice|photos/\{index\})$|^/(healthz|metrics|login)$"
)


def test_the_walk_knows_every_page(panel: FastAPI) -> None:
    """A new page joins the walk: every GET route of the panel is walked or is no page."""
    walked = {*PAGES, *ABOUT_ONE, *COUNTER}
    routes = {
        r.path for r in panel.routes if isinstance(r, APIRoute) and "GET" in (r.methods or ())
    }
    missing = sorted(path for path in routes - walked if not NOT_PAGES.search(path))
    assert not missing, missing


async def every_page(uow: UnitOfWork) -> dict[str, list[str]]:
    """Who sees which pages: the administrator every page of the office, the fixed ones
    and one of each page about a thing (on the demo's first); the cashier the counter."""
    pages = list(PAGES)
    async with uow.read() as session:
        for path, query in ABOUT_ONE.items():
            first = await session.scalar(query.limit(1))
            assert first is not None, f"the demo has nothing for {path}"
            pages.append(re.sub(r"\{\w+\}", str(first), path))
        outlet = await session.scalar(select(Outlet.id).limit(1))
    counter = [path.replace("{outlet_id}", str(outlet)) for path in COUNTER]
    return {"admin": pages, "chaoshi": ["/", *counter]}


async def test_every_page_answers_fits_a_phone_and_is_english_in_english(
    panel: FastAPI,
    uow: UnitOfWork,
    tmp_path: Path,
    files: LocalFileStorage,
) -> None:
    logins = await load_demo(uow, tmp_path / "logins.txt", ZoneInfo("Asia/Shanghai"), 50, files)
    # The demo sends no notice of its own (with a real bot its chats are not real people);
    # a broadcast's page is its sender's.
    admin = await staff_by_username(uow, "admin")
    assert admin is not None
    await start_broadcast(
        uow, text="本周六上午九点大扫除。", chat_ids=[1, 2], created_by=sender_of(admin)
    )
    pages, data, both = await every_page(uow), await data_of(uow), await data_of(uow, twins=True)
    wrong: list[tuple[str, str, str, list[str]]] = []
    async with serve(panel) as base_url, chromium() as browser:
        for (language, size), (username, paths) in product(SIZES, pages.items()):
            page = await logged_in(browser, base_url, language, size)
            await log_in_as(page, base_url, username, logins[username])
            for path in paths:
                answer = await page.goto(f"{base_url}{path}")
                assert answer is not None
                shown = both if path in BOTH_NAMES else data
                found = await problems_on(page, shown if language == "en" else None)
                if answer.status != 200:
                    found.append(f"status {answer.status}")
                if found:
                    wrong.append((path, language, size, found))
            await page.context.close()
    assert not wrong, "\n".join(map(str, wrong))
