"""Residents' Telegram chats: recording that a resident staff enrolled at the office talks
to the bot, and listing the residents who do (the demo's stand-in for Telegram plays them).

A person who writes to the bot first gets their chat from `service.greet`; these are for
people the bank knew before they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.errors import UnknownPerson
from rewards.org.models import OrgUnit
from rewards.people.models import Person, PersonChannel, Resident
from rewards.people.residents import TELEGRAM


@dataclass(frozen=True)
class ChatResident:
    telegram_id: int
    person_id: int
    name: str
    language: str
    status: str  # pending or verified
    unit_name: str


async def link_telegram(uow: UnitOfWork, *, person_id: int, telegram_id: int) -> bool:
    """Record the person's private chat with the bot, unless they already have one or the
    Telegram account is someone else's. Returns whether it was recorded. Raises
    unknown_person."""
    async with uow.write() as session:
        person = await session.get(Person, person_id)
        if person is None or person.left_at is not None:
            raise UnknownPerson()
        taken = await session.scalar(
            select(PersonChannel.id).where(
                (PersonChannel.channel == TELEGRAM)
                & (
                    (PersonChannel.person_id == person_id)
                    | (PersonChannel.external_id == telegram_id)
                )
            )
        )
        if taken is not None:
            return False
        session.add(PersonChannel(person_id=person_id, channel=TELEGRAM, external_id=telegram_id))
        return True


async def residents_with_chats(uow: UnitOfWork, *, limit: int | None = 200) -> list[ChatResident]:
    """Residents (waiting or verified, not gone) who talk to the bot: the waiting ones
    first, then by where they live; at most `limit` (None: all)."""
    async with uow.read() as session:
        rows = await session.execute(
            select(
                PersonChannel.external_id,
                Person.id,
                Person.display_name,
                Person.language,
                Resident.status,
                OrgUnit.name,
            )
            .join(Person, Person.id == PersonChannel.person_id)
            .join(Resident, Resident.person_id == Person.id)
            .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
            .where(PersonChannel.channel == TELEGRAM, Resident.status.in_(("pending", "verified")))
            .order_by((Resident.status == "pending").desc(), OrgUnit.path, Person.id)
            .limit(limit)
        )
        return [ChatResident(*row) for row in rows.all()]
