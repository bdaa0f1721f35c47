"""Residents: where a person lives, their household, and whether staff verified them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.errors import NotAResident, NotVerified
from rewards.org.models import OrgUnit
from rewards.people.models import Person, PersonChannel, Resident

TELEGRAM = "telegram"


@dataclass(frozen=True)
class ResidentView:
    person_id: int
    display_name: str
    language: str
    unit_id: int
    unit_path: str
    household_id: int | None
    status: str

    @property
    def verified(self) -> bool:
        return self.status == "verified"


async def load_resident(session: AsyncSession, person_id: int) -> ResidentView:
    """Raises not_a_resident."""
    row = (
        await session.execute(
            select(Resident, Person, OrgUnit.path)
            .join(Person, Person.id == Resident.person_id)
            .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
            .where(Resident.person_id == person_id)
        )
    ).one_or_none()
    if row is None:
        raise NotAResident()
    resident, person, path = row
    return ResidentView(
        person.id,
        person.display_name,
        person.language,
        resident.org_unit_id,
        path,
        resident.household_id,
        resident.status,
    )


async def load_verified_resident(session: AsyncSession, person_id: int) -> ResidentView:
    """Raises not_a_resident, not_verified."""
    resident = await load_resident(session, person_id)
    if not resident.verified:
        raise NotVerified()
    return resident


async def telegram_chat(session: AsyncSession, person_id: int) -> int | None:
    """The private chat the person talks to the bot in (their Telegram user id)."""
    return await session.scalar(
        select(PersonChannel.external_id).where(
            PersonChannel.person_id == person_id, PersonChannel.channel == TELEGRAM
        )
    )


async def enrol(
    session: AsyncSession,
    *,
    person_id: int,
    unit_id: int,
    household_id: int | None,
    now: datetime,
    verified_by_staff_id: int | None = None,
) -> None:
    """Make the person a resident of the unit; verified at once when staff enrol them."""
    verified = verified_by_staff_id is not None
    session.add(
        Resident(
            person_id=person_id,
            org_unit_id=unit_id,
            household_id=household_id,
            status="verified" if verified else "pending",
            verified_at=now if verified else None,
            verified_by_staff_id=verified_by_staff_id,
            created_at=now,
        )
    )
    await session.flush()
