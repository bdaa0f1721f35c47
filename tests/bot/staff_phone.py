"""A staff member's phone linked to their account, as they do it from the panel."""

from __future__ import annotations

from core.uow import UnitOfWork
from fakebotapi.users import FakeUser
from rewards.staff.service import StaffView
from rewards.staff.telegram import offer_link


async def linked(uow: UnitOfWork, staff: StaffView, phone: FakeUser, says: str) -> None:
    """The staff member opens the panel's link on their phone (a bot may only write to
    those who started it)."""
    await phone.send(f"/start {(await offer_link(uow, staff=staff)).payload}")
    await phone.expect_message(contains=says)
