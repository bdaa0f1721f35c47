"""The statistics of a period, checked against cases whose every time is known: counts by
state, closure rate, median hours to acknowledge and to close, satisfaction, per grid
(where reported, even after escalation), community, category and handler; only what the
staff member reaches (another community's staff see none of it); and the same figures
in the panel's XLSX."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.cases import steps
from rewards.cases.reporting import add_proof
from rewards.cases.statistics import case_statistics
from rewards.org.models import OrgLevel
from rewards.org.service import ensure_unit
from rewards.staff.models import Role
from tests.admin.conftest import log_in
from tests.cases.town import Town, build_town, photo, reported
from tests.rewards.community import PASSWORD, START, ZONE, make_staff

DAY = START.astimezone(ZONE).date()  # 2026-04-01, the first day of a quarter


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork, clock: FrozenClock) -> Town:
    town = await build_town(uow)
    people, head = town.people, town.head
    closed = await reported(uow, town, people.alice, town.litter)  # A
    clock.advance(timedelta(hours=1))
    waiting = await reported(uow, town, people.alice, town.lamp)  # B
    rejected = await reported(uow, town, people.bob, town.litter)  # C, at grid 2
    escalated = await reported(uow, town, people.alice, town.lamp)  # D
    clock.advance(timedelta(hours=1))  # START + 2h
    await steps.verify(uow, staff=people.grid1, case_id=closed.id, version=None, zone=ZONE)
    await steps.reject(
        uow, staff=people.grid2, case_id=rejected.id, version=None, reason="invalid"
    )
    await steps.escalate(uow, staff=head, case_id=escalated.id, version=None, reason="要社区协调")
    clock.advance(timedelta(hours=3))  # START + 5h: B acknowledged after 4 hours
    await steps.verify(uow, staff=people.grid1, case_id=waiting.id, version=None, zone=ZONE)
    await add_proof(uow, staff=people.grid1, case_id=closed.id, photo=photo(300))
    await steps.resolve(uow, staff=people.grid1, case_id=closed.id, version=None, zone=ZONE)
    clock.advance(timedelta(hours=5))  # START + 10h: A closed after 10 hours
    await steps.close(uow, staff=people.admin, case_id=closed.id, version=None)
    await steps.rate(uow, person_id=people.alice, case_id=closed.id, stars=4, comment="快")
    return town


async def test_the_figures_of_a_period_per_grid_community_category_and_handler(
    uow: UnitOfWork, town: Town
) -> None:
    stats = await case_statistics(uow, staff=town.people.admin, start=DAY, end=DAY, zone=ZONE)
    total = stats.total
    assert total.reported == 4
    assert list(total.by_state.items()) == [  # in the lifecycle's order
        ("verified", 1), ("dispatched", 1), ("rated", 1), ("rejected", 1),
    ]  # fmt: skip
    assert (total.closed, total.closure_rate) == (1, 0.25)
    assert total.acknowledge_hours == 3.0  # the median of 2 and 4
    assert total.close_hours == 10.0
    assert (total.satisfaction, total.ratings) == (4.0, 1)
    grids = {g.name: (g.reported, g.closed) for g in stats.grids}
    assert grids == {"grid-1": (3, 1), "grid-2": (1, 0)}  # D still counts for grid 1
    assert [(c.name, c.reported) for c in stats.communities] == [("community", 4)]
    categories = {c.name: (c.reported, c.closed, c.closure_rate) for c in stats.categories}
    assert categories == {"垃圾乱堆": (2, 1, 0.5), "路灯不亮": (2, 0, 0.0)}
    grid1 = next(g for g in stats.grids if g.name == "grid-1")
    assert grid1.by_state == {"verified": 1, "dispatched": 1, "rated": 1}
    assert (grid1.acknowledge_hours, grid1.close_hours) == (3.0, 10.0)
    handlers = {h.name: (h.satisfaction, h.ratings) for h in stats.handlers}
    assert handlers["Grid1"] == (4.0, 1)


async def test_the_median_of_an_odd_number_is_the_middle_case(
    uow: UnitOfWork, town: Town, clock: FrozenClock
) -> None:
    late = await reported(uow, town, town.people.bob, town.lamp)  # at START + 10h
    clock.advance(timedelta(hours=30))
    await steps.verify(uow, staff=town.people.grid2, case_id=late.id, version=None, zone=ZONE)
    stats = await case_statistics(uow, staff=town.people.admin, start=DAY, end=DAY, zone=ZONE)
    assert stats.total.acknowledge_hours == 4.0  # of 2, 4 and 30 hours
    assert (stats.total.reported, stats.total.closed, stats.total.closure_rate) == (5, 1, 0.2)


async def test_staff_of_another_community_see_none_of_it(uow: UnitOfWork, town: Town) -> None:
    async with uow.write() as session:
        other = await ensure_unit(
            session, code="community-2", name="community-2", level=OrgLevel.COMMUNITY,
            parent_code="street",
        )  # fmt: skip
        await ensure_unit(
            session, code="grid-3", name="grid-3", level=OrgLevel.GRID, parent_code="community-2"
        )
    stranger = await make_staff(uow, "stranger", Role.COMMUNITY_STAFF, other)
    stats = await case_statistics(uow, staff=stranger, start=DAY, end=DAY, zone=ZONE)
    assert (stats.total.reported, stats.total.by_state, stats.total.closure_rate) == (0, {}, None)
    assert (stats.grids, stats.communities, stats.categories, stats.handlers) == ([], [], [], [])


async def test_only_what_the_staff_member_reaches_and_only_the_period_counts(
    uow: UnitOfWork, town: Town
) -> None:
    mine = await case_statistics(uow, staff=town.people.grid2, start=DAY, end=DAY, zone=ZONE)
    assert (mine.total.reported, [g.name for g in mine.grids]) == (1, ["grid-2"])
    later = DAY + timedelta(days=1)
    empty = await case_statistics(uow, staff=town.people.admin, start=later, end=later, zone=ZONE)
    assert (empty.total.reported, empty.total.closure_rate, empty.grids) == (0, None, [])


async def test_the_page_draws_its_charts_and_the_workbook_holds_the_figures(
    client: httpx.AsyncClient, town: Town
) -> None:
    assert (await log_in(client, "admin", PASSWORD)).status_code == 303
    period = f"start={DAY.isoformat()}&end={DAY.isoformat()}"
    page = await client.get(f"/cases/stats?{period}")
    assert page.status_code == 200
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart"') == 2
    assert "25%" in page.text
    assert page.text.count("<tfoot><tr><td>合计</td><td>4</td><td>1</td><td>25%</td>") == 3
    states = page.text[page.text.index("各状态的事件数") : page.text.index("各网格办结率")]
    order = [states.index(name) for name in ("已上报", "已受理", "处理中", "已评价", "未受理")]
    assert order == sorted(order)  # the lifecycle's order, empty states too
    workbook = await client.get(f"/cases/stats.xlsx?{period}")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["合计", "按网格", "按社区", "按问题类别", "按处理人（满意度）"]
    headings = [cell.value for cell in book["合计"][1]]
    assert headings[8:] == [
        "已上报",
        "已受理",
        "处理中",
        "已处理待核查",
        "已办结",
        "已评价",
        "未受理",
    ]
    total = [cell.value for cell in book["合计"][2]]
    assert total == ["合计", 4, 1, 0.25, 3.0, 10.0, 4.0, 1, 0, 1, 1, 0, 0, 1, 1]
    grids = {
        row[0].value: [c.value for c in row[1:]] for row in book["按网格"].iter_rows(min_row=2)
    }
    assert grids == {
        "grid-1": [3, 1, 0.33, 3.0, 10.0, 4.0, 1, 0, 1, 1, 0, 0, 1, 0],
        "grid-2": [1, 0, 0.0, None, None, None, 0, 0, 0, 0, 0, 0, 0, 1],
    }
    categories = [row[0].value for row in book["按问题类别"].iter_rows(min_row=2)]
    assert categories == ["垃圾乱堆", "路灯不亮"]
    mistyped = await client.get("/cases/stats?start=2026-13-01&end=x")
    assert "日期没看懂" in mistyped.text
