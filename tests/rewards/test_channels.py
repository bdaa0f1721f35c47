"""A resident enrolled at the office given their Telegram chat, and the residents on
Telegram listed (what the try page plays)."""

from __future__ import annotations

import pytest

from core.uow import UnitOfWork
from rewards.errors import UnknownPerson
from rewards.people.channels import link_telegram, residents_with_chats
from rewards.people.joining import leave
from rewards.people.residents import register_resident
from tests.rewards.community import build_community


async def test_a_chat_is_linked_once_and_never_to_someone_elses_telegram(uow: UnitOfWork) -> None:
    town = await build_community(uow)
    dora = await register_resident(
        uow, staff=town.admin, display_name="Dora", unit_id=town.units["grid-2"].id
    )
    assert await link_telegram(uow, person_id=dora, telegram_id=504)
    assert not await link_telegram(uow, person_id=dora, telegram_id=505)  # has one already
    assert not await link_telegram(uow, person_id=town.alice, telegram_id=504)  # Dora's
    listed = await residents_with_chats(uow)
    # The one waiting for verification first, then by where they live.
    assert [(r.name, r.telegram_id, r.status) for r in listed] == [
        ("Carol", 503, "pending"),
        ("Alice", 501, "verified"),
        ("Bob", 502, "verified"),
        ("Dora", 504, "verified"),
    ]
    await leave(uow, person_id=town.bob)
    assert "Bob" not in {r.name for r in await residents_with_chats(uow)}
    with pytest.raises(UnknownPerson):
        await link_telegram(uow, person_id=town.bob, telegram_id=506)
