"""The panel's page where a staff member links their own Telegram: a one-time deep link
and its QR, which the bot accepts once; the page then says it is linked, and unlinking
ends it."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from admin.app import create_app
from core.clock import FrozenClock
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from rewards.staff.telegram import link_chat, staff_link_secret, staff_of_chat
from tests.admin.conftest import Staff, csrf_of, log_in
from tests.support import TEST_SECRET_KEY, make_settings

BOT = "moral_bank_bot"


@pytest.fixture
def panel(database: Database, catalogues: Catalogues, clock: FrozenClock) -> FastAPI:
    settings = make_settings(secret_key=TEST_SECRET_KEY, bot_username=BOT)
    return create_app(settings=settings, database=database, catalogues=catalogues, clock=clock)


async def test_a_staff_member_links_and_unlinks_their_telegram(
    client: httpx.AsyncClient, staff: Staff, uow: UnitOfWork
) -> None:
    assert (await log_in(client, staff.username, staff.password)).status_code == 303
    page = await client.get("/telegram")
    assert page.status_code == 200
    assert "还没有绑定" in page.text
    token = await csrf_of(client, "/telegram")
    offered = await client.post("/telegram/link", data={"csrf_token": token})
    assert offered.status_code == 200
    assert "<svg" in offered.text
    found = re.search(rf"https://t\.me/{BOT}\?start=(staff_[A-Za-z0-9_-]+)", offered.text)
    assert found is not None
    secret = staff_link_secret(found[1])
    assert secret is not None
    linked = await link_chat(uow, secret=secret, telegram_user_id=990001)
    assert linked.username == staff.username
    assert "已绑定" in (await client.get("/telegram")).text
    unlinked = await client.post("/telegram/unlink", data={"csrf_token": token})
    assert unlinked.status_code == 303
    assert await staff_of_chat(uow, 990001) is None
    assert "还没有绑定" in (await client.get("/telegram")).text
