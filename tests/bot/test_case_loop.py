"""The whole loop of a report, in the chat, through the real dispatcher, the outbox
sender and the fake Bot API: Alice reports; the grid head who linked their Telegram
accepts it and passes it up with a reason; the community's staff member, alerted in turn,
resolves it with a photo of the fix; staff close it; Alice rates it and says a word."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.cases import steps
from rewards.cases.models import Case, CaseEvent, CasePhoto
from tests.admin.kiosk_support import balance
from tests.bot.outbox import next_saying, sending
from tests.bot.staff_phone import linked
from tests.cases.images import camera_jpeg
from tests.cases.town import NEAR, Town, build_town

pytestmark = pytest.mark.usefixtures("running_bot")


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def test_report_accept_escalate_fix_with_a_photo_close_and_rate(
    fake_api: FakeBotAPI,
    database: Database,
    database_url: str,
    catalogues: Catalogues,
    uow: UnitOfWork,
    town: Town,
) -> None:
    worker = fake_api.user(880021, first_name="网格长", language_code="zh-hans")
    community = fake_api.user(880022, first_name="社区", language_code="zh-hans")
    await linked(uow, town.head, worker, "已绑定")
    await linked(uow, town.people.deputy, community, "已绑定")
    alice = fake_api.user(501, first_name="Alice", language_code="zh-hans")
    before = await balance(uow, town.people.alice)

    await alice.send("📷 随手拍")
    await alice.expect_message(contains="请拍下问题的照片")
    await alice.send_photo(camera_jpeg(11))
    await alice.expect_message(contains="收到第 1 张照片")
    await alice.press("下一步 ▶")
    await alice.expect_message(contains="问题在哪里")
    await alice.expect_message()
    await alice.send_location(*NEAR)
    await alice.expect_message(contains="位置已收到")
    await alice.expect_message(contains="哪一类问题")
    await alice.press("垃圾乱堆")
    await alice.expect_message(contains="可以写几句话")
    await alice.send("楼下垃圾桶满了")
    await alice.expect_message(contains="请核对")
    await alice.press("✅ 提交")
    await alice.expect_message(contains="已提交")

    async with sending(fake_api, database, database_url, catalogues):
        await next_saying(alice, "已经收到")
        alert = await worker.expect_message(contains="新的随手拍")
        assert "楼下垃圾桶满了" in (alert.text or "")
        await worker.expect_callback_answer(await worker.press("✅ 受理"))
        assert await worker.changed.wait_for(lambda: alert.edits == 1, timeout=5)
        assert [label for row in alert.buttons() for label in row] == [
            "🔧 已处理（拍照）",
            "⬆️ 上报上级",
        ]
        await next_saying(alice, "已核实")

        await worker.press("⬆️ 上报上级", message=alert)
        await worker.expect_message(contains="为什么要上报上级")
        await worker.send("需要物业和社区一起协调")
        await worker.expect_message(contains="已上报上级")
        escalated = await community.expect_message(contains="已上报到您这里")
        await next_saying(alice, "需要物业和社区一起协调")

        await community.press("🔧 已处理（拍照）", message=escalated)
        await community.expect_message(contains="处理后的照片")
        await community.send_photo(camera_jpeg(12))
        await community.expect_message(contains="已标记为处理完成")
        fixed = await next_saying(alice, "已经处理好了")
        assert [label for row in fixed.buttons() for label in row] == ["👎 还没解决"]

        case_id = await _only_case(uow)
        case = await _case(uow, case_id)
        await steps.close(uow, staff=town.people.deputy, case_id=case_id, version=case.version)
        closed = await next_saying(alice, "已核查办结")
        await alice.press("⭐⭐⭐⭐", message=closed)
        await next_saying(alice, "还想说点什么")
        await alice.send("处理得很快，谢谢")
        await next_saying(alice, "已记下")

    case = await _case(uow, case_id)
    assert (case.status, case.level, case.rating) == ("rated", "community", 4)
    assert case.rating_comment == "处理得很快，谢谢"
    assert case.unit_id == town.people.units["community"].id
    async with uow.read() as session:
        actions = list(
            await session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )
        proofs = await session.scalar(
            select(CasePhoto.storage_key).where(
                CasePhoto.case_id == case_id, CasePhoto.kind == "proof"
            )
        )
    assert actions == ["submit", "verify", "escalate", "resolve", "close", "rate"]
    assert proofs is not None
    assert await balance(uow, town.people.alice) == before + 2 + 3


async def _only_case(uow: UnitOfWork) -> int:
    async with uow.read() as session:
        ids = list(await session.scalars(select(Case.id).where(Case.status != "draft")))
    assert len(ids) == 1
    return ids[0]


async def _case(uow: UnitOfWork, case_id: int) -> Case:
    async with uow.read() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case
