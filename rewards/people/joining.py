"""Joining the bank, staff verifying it, and leaving it.

A person consents to the privacy notice (its version and the time are kept), gives their
own phone number, picks where they live (or arrives by an invite link that fixes it) and
joins a household by its invite code or founds one. Then they wait: staff verify them in
the panel, and only then do they earn. Leaving erases what identifies the person; their
ledger stays balanced, its accounts now pointing at nobody anyone can name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import (
    AlreadyJoined,
    ConsentRequired,
    InvalidPhone,
    ResidentLeft,
    TooManyCodeGuesses,
    UnknownHouseholdCode,
    UnknownOrgUnit,
    UnknownPerson,
)
from rewards.messaging.outbox import forget_chat, notify
from rewards.org.models import OrgLevel, OrgUnit
from rewards.org.service import get_unit
from rewards.people.models import Household, Person, PersonChannel, Resident
from rewards.people.residents import (
    TELEGRAM,
    enrol,
    load_resident,
    new_household,
    telegram_chat,
    unit_path_of,
)
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

# Household invite codes one person may type in CODE_GUESS_MINUTES.
CODE_GUESSES = 5
CODE_GUESS_MINUTES = 15


def code_guess_limiter(redis: Redis | None) -> RateLimiter:
    """The throttle on invite codes: shared in Redis when there is one."""
    window = CODE_GUESS_MINUTES * 60
    if redis is None:
        return MemoryRateLimiter(limit=CODE_GUESSES, window_seconds=window)
    return RedisRateLimiter(
        redis, limit=CODE_GUESSES, window_seconds=window, prefix="moralbank:code_guess"
    )


# The privacy notice's version: raise it when its text changes, and people are asked again.
PRIVACY_VERSION = "2026-11"
HOME_LEVELS = (OrgLevel.COMMUNITY, OrgLevel.VILLAGE)
PHONE = re.compile(r"\+?\d{5,20}")


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str


async def residency(uow: UnitOfWork, person_id: int) -> str | None:
    """Where a person is on the way in: None (not applied), pending, verified or left."""
    async with uow.read() as session:
        return await session.scalar(select(Resident.status).where(Resident.person_id == person_id))


async def give_consent(uow: UnitOfWork, *, person_id: int) -> None:
    async with uow.write() as session:
        person = await _person(session, person_id)
        person.consent_version = PRIVACY_VERSION
        person.consented_at = uow.now()


async def give_phone(uow: UnitOfWork, *, person_id: int, phone: str) -> None:
    """Raises consent_required, invalid_phone."""
    digits = re.sub(r"[\s()-]", "", phone)
    if not PHONE.fullmatch(digits):
        raise InvalidPhone()
    async with uow.write() as session:
        person = await _person(session, person_id)
        if person.consent_version != PRIVACY_VERSION:
            raise ConsentRequired()
        person.phone = digits if digits.startswith("+") else f"+{digits}"


async def places(uow: UnitOfWork, *, below: int | None = None) -> list[Place]:
    """Communities and villages (below=None), or the grids of one of them."""
    async with uow.read() as session:
        query = select(OrgUnit).order_by(OrgUnit.name)
        if below is None:
            query = query.where(OrgUnit.level.in_(HOME_LEVELS))
        else:
            query = query.where(OrgUnit.parent_id == below, OrgUnit.level == OrgLevel.GRID)
        units = (await session.scalars(query)).all()
    return [Place(unit.id, unit.code, unit.name) for unit in units]


async def place_by_code(uow: UnitOfWork, code: str) -> Place:
    """The grid an invite link names. Raises unknown_org_unit."""
    return await _grid(uow, OrgUnit.code == code, code)


async def grid_place(uow: UnitOfWork, unit_id: int) -> Place:
    """The grid of a button. Raises unknown_org_unit (an old or forged button)."""
    return await _grid(uow, OrgUnit.id == unit_id, str(unit_id))


async def _grid(uow: UnitOfWork, condition: ColumnElement[bool], named: str) -> Place:
    async with uow.read() as session:
        unit = await session.scalar(
            select(OrgUnit).where(condition, OrgUnit.level == OrgLevel.GRID)
        )
    if unit is None:
        raise UnknownOrgUnit(code=named)
    return Place(unit.id, unit.code, unit.name)


async def apply_to_join(
    uow: UnitOfWork,
    *,
    person_id: int,
    unit_id: int,
    household_code: str | None,
    code_guesses: RateLimiter | None = None,
) -> str | None:
    """Become a resident of the grid, waiting for verification, in the household of
    `household_code` (then of its grid) or (None) a new one they head. Returns the new
    household's invite code (None when joining one). Raises consent_required,
    already_joined, unknown_household_code, unknown_org_unit, too_many_code_guesses
    (more than CODE_GUESSES codes a person typed in CODE_GUESS_MINUTES: codes are short
    enough to guess by brute force otherwise)."""
    if (
        household_code is not None
        and code_guesses is not None
        and not await code_guesses.hit(f"person:{person_id}")
    ):
        raise TooManyCodeGuesses(minutes=CODE_GUESS_MINUTES)
    async with uow.write() as session:
        now = uow.now()
        person = await _person(session, person_id)
        if person.consent_version != PRIVACY_VERSION or person.phone is None:
            raise ConsentRequired()
        if await session.get(Resident, person_id) is not None:
            raise AlreadyJoined()
        unit = await get_unit(session, unit_id)
        if household_code is not None:
            household = await session.scalar(
                select(Household).where(Household.invite_code == household_code.strip().upper())
            )
            if household is None:
                raise UnknownHouseholdCode()
            # The family lives where its household does: a member who picked another grid
            # joins the household's, where its staff will verify them.
            await enrol(
                session,
                person_id=person_id,
                unit_id=household.org_unit_id,
                household_id=household.id,
                now=now,
            )
            return None
        await enrol(session, person_id=person_id, unit_id=unit.id, household_id=None, now=now)
        return (await new_household(session, unit.id, person_id, now)).invite_code


async def verify_resident(uow: UnitOfWork, *, staff: StaffView, person_id: int) -> None:
    """Staff confirm that the person lives where they said; they are told in the bot.
    Raises not_a_resident, out_of_scope, resident_left (who left comes back only by
    joining again, as a new person)."""
    async with uow.write() as session:
        now = uow.now()
        resident_view = await load_resident(session, person_id)
        staff.require(Action.VERIFY_RESIDENTS, resident_view.unit_path)
        resident = await session.get(Resident, person_id)
        assert resident is not None
        if resident.status == "verified":
            return
        if resident.status == "left":
            raise ResidentLeft()
        resident.status = "verified"
        resident.verified_at = now
        resident.verified_by_staff_id = staff.id
        record_audit(
            session,
            at=now,
            actor_staff_id=staff.id,
            action="resident.verified",
            target=f"person:{person_id}",
            unit_path=resident_view.unit_path,
        )
        chat = await telegram_chat(session, person_id)
        if chat is not None:
            await notify(
                session, chat_id=chat, key="join.verified", locale=resident_view.language, now=now
            )


async def my_data(uow: UnitOfWork, *, person_id: int) -> dict[str, Any]:
    """Everything the bank keeps that identifies the person (what /mydata sends)."""
    async with uow.read() as session:
        person = await _person(session, person_id)
        resident = await session.get(Resident, person_id)
        unit = await session.get(OrgUnit, resident.org_unit_id) if resident else None
        return {
            "name": person.display_name,
            "language": person.language,
            "phone": person.phone,
            "privacy_notice": person.consent_version,
            "consented_at": _iso(person.consented_at),
            "joined_at": _iso(person.created_at),
            "lives_in": unit.name if unit else None,
            "household": resident.household_id if resident else None,
            "residency": resident.status if resident else None,
        }


async def leave(uow: UnitOfWork, *, person_id: int) -> None:
    """Erase what identifies the person. Their points history stays in the ledger (it
    must balance), kept under an id that no longer leads to a name or a phone. Messages
    still waiting for them are cancelled, and no message keeps their chat or its text."""
    async with uow.write() as session:
        person = await _person(session, person_id)
        person.display_name = ""
        person.phone = None
        person.left_at = uow.now()
        chats = await session.scalars(
            select(PersonChannel.external_id).where(
                PersonChannel.person_id == person_id, PersonChannel.channel == TELEGRAM
            )
        )
        for chat in chats.all():
            await forget_chat(session, chat_id=chat)
        await session.execute(delete(PersonChannel).where(PersonChannel.person_id == person_id))
        resident = await session.get(Resident, person_id)
        if resident is not None:
            resident.status = "left"
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=None,
            action="person.left",
            target=f"person:{person_id}",
            unit_path=unit_path_of(person_id),
        )


async def _person(session: AsyncSession, person_id: int) -> Person:
    person = await session.get(Person, person_id)
    if person is None or person.left_at is not None:
        raise UnknownPerson()
    return person


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
