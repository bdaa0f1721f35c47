"""A new report reaches the grid's staff who linked their Telegram, with buttons in their
language; one taps Accept and the case is verified (and the reporter paid), and the other,
tapping Decline on the alert they still see, is told someone was quicker. Through the
real dispatcher, the outbox sender and the fake Bot API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.cases.models import Case
from tests.admin.kiosk_support import balance
from tests.bot.outbox import sending
from tests.bot.staff_phone import linked
from tests.cases.town import Town, build_town, reported

pytestmark = pytest.mark.usefixtures("running_bot")

WORKER_PHONE, HEAD_PHONE = 880011, 880012


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def status_of(uow: UnitOfWork, case_id: int) -> str | None:
    async with uow.read() as session:
        return await session.scalar(select(Case.status).where(Case.id == case_id))


async def test_the_grids_staff_get_the_case_and_the_first_tap_wins(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    uow: UnitOfWork,
    town: Town,
) -> None:
    worker = fake_api.user(WORKER_PHONE, first_name="网格员", language_code="zh-hans")
    head = fake_api.user(HEAD_PHONE, first_name="Head", language_code="en")
    await linked(uow, town.people.grid1, worker, "已绑定")
    await linked(uow, town.head, head, "Linked")
    before = await balance(uow, town.people.alice)
    case = await reported(uow, town, town.people.alice, town.litter)
    async with sending(fake_api, database, database_url, catalogues):
        alert = await worker.expect_message(contains=f"新的随手拍 第 {case.id} 号")
        assert "垃圾乱堆" in (alert.text or "")
        assert [label for row in alert.buttons() for label in row] == ["✅ 受理", "🚫 不受理"]
        stale = await head.expect_message(contains=f"New report No. {case.id}")
        assert "Litter" in (stale.text or "")
        answer = await worker.expect_callback_answer(await worker.press("✅ 受理"))
        assert "已受理" in answer.get("text", "")
        assert await worker.changed.wait_for(lambda: alert.edits == 1, timeout=5)
        assert "Grid1 已受理" in (alert.text or "")
        assert await status_of(uow, case.id) == "verified"
        assert await balance(uow, town.people.alice) == before + 2
        late = await head.expect_callback_answer(await head.press("🚫 Decline", message=stale))
        assert "Someone else has just acted on this case" in late.get("text", "")
    assert await status_of(uow, case.id) == "verified"


async def test_a_case_button_from_someone_not_linked_changes_nothing(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    case = await reported(uow, town, town.people.alice, town.litter)
    stranger = fake_api.user(880099, first_name="Eve", language_code="en")
    await stranger.send("/start")
    await stranger.expect_message(contains="Welcome")
    refused = await stranger.expect_callback_answer(
        await stranger.press_data(f"cs:{case.id}:verify:{case.version}")
    )
    assert "for staff who linked their Telegram" in refused.get("text", "")
    forged = await stranger.press_data(f"cs:{case.id}:close:{case.version}")  # no such button
    assert (await stranger.expect_callback_answer(forged)).get("text")
    assert await status_of(uow, case.id) == "reported"
