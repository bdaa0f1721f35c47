"""The demo community's people on Telegram: newcomers who joined through the bot and wait
for staff to verify them, a Telegram chat for every verified resident, and a grid worker
whose Telegram is linked to their panel account. `moralbank try` plays these chats on its
stand-in for Telegram, so a broadcast from the panel or a case alert arrives there.

The Telegram ids are made up, in ranges no real account of a small demo would meet:
a resident's is RESIDENT_CHATS + their person id, so it never changes between runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.uow import UnitOfWork
from rewards.org.service import find_unit
from rewards.people.channels import link_telegram
from rewards.people.joining import apply_to_join, give_consent, give_phone, residency
from rewards.people.residents import TELEGRAM, search_residents
from rewards.people.service import greet
from rewards.staff.service import StaffView
from rewards.staff.telegram import link_chat, link_state, offer_link, staff_link_secret

RESIDENT_CHATS = 9_100_000_000
LINKED_STAFF_CHAT = 9_300_000_001


@dataclass(frozen=True)
class Newcomer:
    telegram_id: int
    name: str
    language: str  # Telegram's language_code
    phone: str
    grid: str
    joins: int | None  # joins the household of this earlier newcomer (their Telegram id)


NEWCOMERS = (
    Newcomer(9_200_000_001, "孙丽娟", "zh-hans", "+8613900000001", "demo-grid-1", None),
    Newcomer(9_200_000_002, "孙浩然", "zh-hans", "+8613900000002", "demo-grid-1", 9_200_000_001),
    Newcomer(9_200_000_003, "Emma Wilson", "en", "+8613900000003", "demo-grid-2", None),
)


async def load_newcomers(uow: UnitOfWork) -> None:
    """Newcomers who went through the bot's joining (consent, their phone, a grid, a new
    household or the code of one) and now wait for verification; each once."""
    codes: dict[int, str] = {}
    for newcomer in NEWCOMERS:
        person = await greet(
            uow, channel=TELEGRAM, external_id=newcomer.telegram_id,
            display_name=newcomer.name, language_hint=newcomer.language,
        )  # fmt: skip
        if await residency(uow, person.id) is not None:
            continue
        await give_consent(uow, person_id=person.id)
        await give_phone(uow, person_id=person.id, phone=newcomer.phone)
        grid = await find_unit(uow, newcomer.grid)
        code = await apply_to_join(
            uow,
            person_id=person.id,
            unit_id=grid.id,
            household_code=codes.get(newcomer.joins) if newcomer.joins else None,
        )
        if code is not None:
            codes[newcomer.telegram_id] = code


async def load_chats(uow: UnitOfWork, *, staff: StaffView) -> int:
    """A Telegram chat for every verified resident `staff` sees who has none yet, as if
    each had written to the bot once. Returns how many were added."""
    added = 0
    for row in await search_residents(uow, staff=staff, status="verified"):
        telegram_id = RESIDENT_CHATS + row.person_id
        added += await link_telegram(uow, person_id=row.person_id, telegram_id=telegram_id)
    return added


async def link_staff_telegram(uow: UnitOfWork, *, staff: StaffView) -> None:
    """The staff member's Telegram linked to their account, as the panel's one-time link
    does (new cases of their grid reach them in the bot, with buttons); once."""
    if (await link_state(uow, staff=staff)).linked:
        return
    offer = await offer_link(uow, staff=staff)
    secret = staff_link_secret(offer.payload)
    assert secret is not None, "an offer's payload is always a staff link"
    await link_chat(uow, secret=secret, telegram_user_id=LINKED_STAFF_CHAT)
