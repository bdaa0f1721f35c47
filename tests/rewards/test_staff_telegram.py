"""A staff member links their Telegram with a one-time link from the panel: it works once,
for 15 minutes, for one staff account per Telegram account; unlinking ends it; both are
in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.db import Database
from core.uow import UnitOfWork
from rewards.audit import AuditEntry
from rewards.errors import StaffLinkInvalid, TelegramTakenByStaff
from rewards.staff.models import Role
from rewards.staff.telegram import (
    LINK_PREFIX,
    LinkedStaff,
    link_chat,
    link_state,
    linked_staff,
    offer_link,
    staff_link_secret,
    staff_of_chat,
    unlink_chat,
)
from tests.rewards.community import START, build_tree, make_staff

PHONE = 777001


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


def secret_of(payload: str) -> str:
    secret = staff_link_secret(payload)
    assert secret is not None
    return secret


async def test_a_link_works_once_and_then_the_chat_speaks_for_the_account(
    uow: UnitOfWork,
) -> None:
    units = await build_tree(uow)
    worker = await make_staff(uow, "grid1", Role.GRID_WORKER, units["grid-1"])
    offer = await offer_link(uow, staff=worker)
    assert offer.payload.startswith(LINK_PREFIX)
    assert len(offer.payload) <= 64
    assert await staff_of_chat(uow, PHONE) is None
    linked = await link_chat(uow, secret=secret_of(offer.payload), telegram_user_id=PHONE)
    assert linked.id == worker.id
    found = await staff_of_chat(uow, PHONE)
    assert found is not None
    assert [role.role for role in found.roles] == [Role.GRID_WORKER]
    assert (await link_state(uow, staff=worker)).linked
    assert await linked_staff(uow) == [LinkedStaff(PHONE, worker.id, "grid1", "Grid1")]
    with pytest.raises(StaffLinkInvalid):  # spent
        await link_chat(uow, secret=secret_of(offer.payload), telegram_user_id=PHONE)
    await unlink_chat(uow, staff=worker)
    assert await staff_of_chat(uow, PHONE) is None
    assert await linked_staff(uow) == []
    async with uow.read() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert [a for a in actions if a.startswith("staff.telegram")] == [
        "staff.telegram_linked", "staff.telegram_unlinked",
    ]  # fmt: skip


async def test_old_expired_forged_and_taken_links_are_refused(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    units = await build_tree(uow)
    worker = await make_staff(uow, "grid1", Role.GRID_WORKER, units["grid-1"])
    other = await make_staff(uow, "grid2", Role.GRID_WORKER, units["grid-2"])
    first = await offer_link(uow, staff=worker)
    second = await offer_link(uow, staff=worker)
    with pytest.raises(StaffLinkInvalid):  # replaced by the newer one
        await link_chat(uow, secret=secret_of(first.payload), telegram_user_id=PHONE)
    clock.advance(timedelta(minutes=15))
    with pytest.raises(StaffLinkInvalid):  # expired
        await link_chat(uow, secret=secret_of(second.payload), telegram_user_id=PHONE)
    assert staff_link_secret("staff_short") is None
    assert staff_link_secret("co_" + "a" * 32) is None
    with pytest.raises(StaffLinkInvalid):  # well-formed, but nobody made it
        await link_chat(uow, secret="A" * 32, telegram_user_id=PHONE)
    mine = await offer_link(uow, staff=worker)
    await link_chat(uow, secret=secret_of(mine.payload), telegram_user_id=PHONE)
    theirs = await offer_link(uow, staff=other)
    with pytest.raises(TelegramTakenByStaff):
        await link_chat(uow, secret=secret_of(theirs.payload), telegram_user_id=PHONE)
    found = await staff_of_chat(uow, PHONE)
    assert found is not None
    assert found.id == worker.id
