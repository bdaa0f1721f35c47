"""Residents: where a person lives, their household, and whether staff verified them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import ColumnElement, ScalarSelect, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.i18n import DEFAULT_LOCALE
from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import HouseholdElsewhere, NotAResident, NotVerified, ResidentLeft
from rewards.org.models import OrgLevel, OrgUnit
from rewards.org.service import get_unit
from rewards.people.models import Household, Person, PersonChannel, Resident, TeamMember
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

TELEGRAM = "telegram"
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SEARCH_LIMIT = 200
# Who among the residents a broadcast may be narrowed to.
AudienceRole = Literal["residents", "volunteers", "household_heads"]
AUDIENCE_ROLES: tuple[AudienceRole, ...] = get_args(AudienceRole)


@dataclass(frozen=True)
class ResidentView:
    person_id: int
    display_name: str
    language: str
    unit_id: int
    unit_path: str
    household_id: int | None
    status: str
    chat_id: int | None = None  # their private chat with the bot, when they have one

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def unit_path_of(person_id: int) -> ScalarSelect[str]:
    """Where a resident lives, read inside the statement that uses it (an audit row)."""
    return (
        select(OrgUnit.path)
        .join(Resident, Resident.org_unit_id == OrgUnit.id)
        .where(Resident.person_id == person_id)
        .scalar_subquery()
    )


# Built once, and columns rather than entities: the checkout and award paths read a
# resident several times a second; building the statement took as long as running it.
_RESIDENT = (
    select(
        Person.id,
        Person.display_name,
        Person.language,
        Resident.org_unit_id,
        OrgUnit.path,
        Resident.household_id,
        Resident.status,
        # Read along: a receipt or a notice to the resident follows most loads.
        select(PersonChannel.external_id)
        .where(PersonChannel.person_id == Person.id, PersonChannel.channel == TELEGRAM)
        .order_by(PersonChannel.id)
        .limit(1)
        .scalar_subquery(),
    )
    .join(Person, Person.id == Resident.person_id)
    .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
    .where(Resident.person_id == bindparam("person_id"))
)
_RESIDENT_LOCKED = _RESIDENT.with_for_update(of=Resident)


async def load_resident(
    session: AsyncSession, person_id: int, *, lock: bool = False
) -> ResidentView:
    """Raises not_a_resident. With `lock` the resident's row (only that one) stays
    locked until the transaction ends."""
    query = _RESIDENT_LOCKED if lock else _RESIDENT
    row = (await session.execute(query, {"person_id": person_id})).one_or_none()
    if row is None:
        raise NotAResident()
    return ResidentView(*row)


async def load_verified_resident(
    session: AsyncSession, person_id: int, *, lock: bool = False
) -> ResidentView:
    """A resident who may be given points. Raises not_a_resident, resident_left,
    not_verified. With `lock` the resident's row stays locked until the transaction ends:
    a /leave, or another adjustment counted against the same day, waits for it."""
    resident = await load_resident(session, person_id, lock=lock)
    if resident.status == "left":
        raise ResidentLeft()
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
    """Make the person a resident of the unit; verified at once when staff enrol them.
    Raises household_elsewhere: a household's members live where it does, so that staff
    who see a household see all of its members."""
    if household_id is not None:
        household = await session.get(Household, household_id)
        if household is None or household.org_unit_id != unit_id:
            raise HouseholdElsewhere()
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


async def register_resident(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    display_name: str,
    unit_id: int,
    language: str = DEFAULT_LOCALE,
    household_id: int | None = None,
) -> int:
    """Staff enrol someone in person (at the office, for a resident without a phone):
    verified at once, by them. Returns the person's id. Raises out_of_scope,
    unknown_org_unit."""
    async with uow.write() as session:
        unit = await get_unit(session, unit_id)
        staff.require(Action.VERIFY_RESIDENTS, unit.path)
        person = Person(display_name=display_name[:120], language=language, created_at=uow.now())
        session.add(person)
        await session.flush()
        await enrol(
            session,
            person_id=person.id,
            unit_id=unit_id,
            household_id=household_id,
            now=uow.now(),
            verified_by_staff_id=staff.id,
        )
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="resident.registered",
            target=f"person:{person.id}",
            unit_path=unit.path,
            details={"unit": unit_id, "household": household_id},
        )
        return person.id


async def found_household(
    uow: UnitOfWork, *, staff: StaffView | None, unit_id: int, head_person_id: int
) -> int:
    """A new household with its head (who joins it); returns its id. Its invite code lets
    the other members join by themselves. Raises out_of_scope."""
    async with uow.write() as session:
        unit = await get_unit(session, unit_id)
        if staff is not None:
            staff.require(Action.VERIFY_RESIDENTS, unit.path)
        household = await new_household(session, unit_id, head_person_id, uow.now())
        return household.id


async def new_household(
    session: AsyncSession, unit_id: int, head_person_id: int, now: datetime
) -> Household:
    """Found a household in the caller's transaction; its head, if a resident, joins it.
    Raises household_elsewhere if the head lives in another unit."""
    resident = await session.get(Resident, head_person_id)
    if resident is not None and resident.org_unit_id != unit_id:
        raise HouseholdElsewhere()
    household = Household(
        org_unit_id=unit_id,
        head_person_id=head_person_id,
        invite_code=new_invite_code(),
        created_at=now,
    )
    session.add(household)
    await session.flush()
    if resident is not None:
        resident.household_id = household.id
    return household


def new_invite_code() -> str:
    """Eight characters a 70-year-old can read out over the phone: no 0/O, 1/I/L."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))


async def count_residents(uow: UnitOfWork, unit_path: str) -> int:
    """Residents living in the unit or below it."""
    async with uow.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Resident)
            .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
            .where(OrgUnit.path.startswith(unit_path))
        )
    return int(count or 0)


async def count_waiting_residents(uow: UnitOfWork, *, staff: StaffView) -> int:
    """Residents waiting for this staff member to verify them."""
    async with uow.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Resident)
            .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
            .where(
                Resident.status == "pending",
                staff.reaches_for(Action.VERIFY_RESIDENTS, OrgUnit.path),
            )
        )
    return int(count or 0)


@dataclass(frozen=True)
class ResidentRow:
    person_id: int
    name: str
    phone: str | None
    unit_name: str
    household_id: int | None
    status: str
    joined_at: datetime
    unit_path: str
    household_head: str | None = None  # the name of the household's head, to tell it apart


def name_or_phone_contains(text: str, staff: StaffView) -> ColumnElement[bool]:
    """The person's name, or their phone where the staff member sees phones, holds `text`
    as typed (% and _ are not wildcards): a masked phone cannot be found digit by digit."""
    return or_(
        Person.display_name.contains(text, autoescape=True),
        and_(
            Person.phone.contains(text, autoescape=True),
            staff.reaches_for(Action.SEE_PHONES, OrgUnit.path),
        ),
    )


def mask_name(name: str) -> str:
    """张*红 for 张晓红, 张* for 张红, A***e for Alice: the first and last character of
    longer names, enough for neighbours and a kiosk volunteer, not a record."""
    name = name.strip()
    if len(name) <= 1:
        return name or "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """The first three and the last four digits, as on a Chinese delivery slip."""
    if phone is None or len(phone) < 8:
        return None if phone is None else "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


async def search_residents(
    uow: UnitOfWork, *, staff: StaffView, query: str = "", status: str | None = None
) -> list[ResidentRow]:
    """Residents where the staff member may see them whose name or phone contains
    `query`, pending ones first (they wait for someone), at most SEARCH_LIMIT of them.
    Phones are masked where the staff member's role does not show them. Raises
    out_of_scope for a role that sees no residents."""
    staff.require_somewhere(Action.SEE_RESIDENTS)
    head = aliased(Person)
    statement = (
        select(Resident, Person, OrgUnit.name, OrgUnit.path, head.display_name)
        .join(Person, Person.id == Resident.person_id)
        .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
        .outerjoin(Household, Household.id == Resident.household_id)
        .outerjoin(head, head.id == Household.head_person_id)
        .where(staff.reaches_for(Action.SEE_RESIDENTS, OrgUnit.path))
        .order_by((Resident.status == "pending").desc(), Resident.created_at.desc())
        .limit(SEARCH_LIMIT)
    )
    if query.strip():
        statement = statement.where(name_or_phone_contains(query.strip(), staff))
    if status:
        statement = statement.where(Resident.status == status)
    async with uow.read() as session:
        rows = (await session.execute(statement)).all()
    return [
        ResidentRow(
            person.id,
            person.display_name,
            person.phone if staff.can(Action.SEE_PHONES, path) else mask_phone(person.phone),
            unit_name,
            resident.household_id,
            resident.status,
            resident.created_at,
            path,
            head_name,
        )
        for resident, person, unit_name, path, head_name in rows
    ]


async def resident_for_staff(uow: UnitOfWork, *, staff: StaffView, person_id: int) -> ResidentView:
    """Raises not_a_resident, out_of_scope."""
    async with uow.read() as session:
        resident = await load_resident(session, person_id)
    staff.require(Action.SEE_RESIDENTS, resident.unit_path)
    return resident


async def resident_chats(
    uow: UnitOfWork, *, staff: StaffView, unit_ids: list[int], role: AudienceRole = "residents"
) -> list[int]:
    """The Telegram chats of the verified residents at or below the chosen units (a
    broadcast's audience), all of them or only those with `role`. Raises out_of_scope
    if the staff member may not broadcast to a unit, unknown_org_unit."""
    async with uow.read() as session:
        paths = []
        for unit_id in unit_ids:
            unit = await get_unit(session, unit_id)
            staff.require(Action.BROADCAST, unit.path)
            paths.append(unit.path)
        if not paths:
            return []
        statement = (
            select(PersonChannel.external_id)
            .join(Resident, Resident.person_id == PersonChannel.person_id)
            .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
            .where(
                PersonChannel.channel == TELEGRAM,
                Resident.status == "verified",
                or_(*(OrgUnit.path.startswith(path) for path in paths)),
            )
            .distinct()
        )
        if role == "volunteers":
            statement = statement.where(exists().where(TeamMember.person_id == Resident.person_id))
        elif role == "household_heads":
            statement = statement.where(
                exists().where(Household.head_person_id == Resident.person_id)
            )
        chats = await session.scalars(statement)
        return sorted(chats.all())


async def community_path(session: AsyncSession, person_id: int) -> str:
    """The path of the resident's community (or village): what is theirs to see (known
    places, duty shifts). A resident placed right at a community, or in a tree without
    one, gets their own unit's. Raises not_a_resident."""
    path = (await load_resident(session, person_id)).unit_path
    ancestors = [int(part) for part in path.strip("/").split("/") if part]
    community = await session.scalar(
        select(OrgUnit.path)
        .where(
            OrgUnit.id.in_(ancestors),
            OrgUnit.level.in_([OrgLevel.COMMUNITY, OrgLevel.VILLAGE]),
        )
        .order_by(func.length(OrgUnit.path).desc())
        .limit(1)
    )
    return community or path
