"""The panel's case queue and case page: a grid worker sees their grid's cases (overdue
ones marked), accepts one, and a form drawn before someone else acted is refused with
words; escalation needs a reason; another grid's worker sees nothing of it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.cases.models import Case
from tests.admin.conftest import alert_text, csrf_of, log_in
from tests.cases.town import Town, build_town, reported
from tests.rewards.community import PASSWORD, START


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def status_of(uow: UnitOfWork, case_id: int) -> str | None:
    async with uow.read() as session:
        return await session.scalar(select(Case.status).where(Case.id == case_id))


async def test_a_grid_worker_works_the_queue(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town, clock: FrozenClock
) -> None:
    case = await reported(uow, town, town.people.alice, town.litter)
    clock.advance(timedelta(hours=13))  # past the 12 hours to acknowledge it
    assert (await log_in(client, "grid1", PASSWORD)).status_code == 303
    assert 'href="/cases"' in (await client.get("/")).text
    queue = await client.get("/cases?overdue=1")
    assert queue.status_code == 200
    assert f'href="/cases/{case.id}"' in queue.text
    assert "已超时" in queue.text
    page = await client.get(f"/cases/{case.id}")
    assert "垃圾乱堆" in page.text
    assert "Alice" in page.text
    token = await csrf_of(client, f"/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case.version)}
    accepted = await client.post(f"/cases/{case.id}/verify", data=form)
    assert accepted.status_code == 303
    assert await status_of(uow, case.id) == "verified"
    again = await client.post(f"/cases/{case.id}/reject", data={**form, "kind": "invalid"})
    assert again.status_code == 400
    assert alert_text(again.text) == "别人刚刚处理过这个事件，请刷新后再看。"
    assert await status_of(uow, case.id) == "verified"


async def test_escalating_needs_a_reason_and_other_grids_see_nothing(
    client: httpx.AsyncClient, uow: UnitOfWork, town: Town
) -> None:
    case = await reported(uow, town, town.people.alice, town.lamp)
    assert (await log_in(client, "head1", PASSWORD)).status_code == 303
    token = await csrf_of(client, f"/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case.version)}
    refused = await client.post(f"/cases/{case.id}/escalate", data={**form, "reason": " "})
    assert refused.status_code == 400
    assert alert_text(refused.text) == "请写明原因。"
    escalated = await client.post(
        f"/cases/{case.id}/escalate", data={**form, "reason": "灯杆坏了"}
    )
    assert escalated.status_code == 303
    await client.post("/logout", data={"csrf_token": token})
    assert (await log_in(client, "grid2", PASSWORD)).status_code == 303
    assert f'href="/cases/{case.id}"' not in (await client.get("/cases")).text
    assert (await client.get(f"/cases/{case.id}")).status_code == 403
