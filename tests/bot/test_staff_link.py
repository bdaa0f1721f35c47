"""A staff member opens the panel's link in Telegram: the bot links that account, through
the real dispatcher and the fake Bot API; a spent or cut-short link is refused in the
person's language."""

from __future__ import annotations

import pytest

from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from rewards.staff.models import Role
from rewards.staff.telegram import offer_link, staff_of_chat
from tests.rewards.community import build_tree, make_staff

pytestmark = pytest.mark.usefixtures("running_bot")


async def test_the_panels_link_links_the_telegram_account_once(
    fake_api: FakeBotAPI, uow: UnitOfWork
) -> None:
    units = await build_tree(uow)
    worker = await make_staff(uow, "grid1", Role.GRID_WORKER, units["grid-1"])
    offer = await offer_link(uow, staff=worker)
    phone = fake_api.user(880001, first_name="王网格", language_code="zh-hans")
    await phone.send(f"/start {offer.payload}")
    done = await phone.expect_message(contains="已绑定")
    assert "Grid1" in (done.text or "")
    linked = await staff_of_chat(uow, 880001)
    assert linked is not None
    assert linked.id == worker.id
    await phone.send(f"/start {offer.payload}")  # the same link again
    await phone.expect_message(contains="绑定链接已失效")
    stranger = fake_api.user(880002, first_name="Eve", language_code="en")
    await stranger.send(f"/start {offer.payload[:-3]}")  # cut short
    await stranger.expect_message(contains="no longer works")
    assert await staff_of_chat(uow, 880002) is None
