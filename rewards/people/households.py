"""Households as staff see them: where they live, who heads them, who belongs to them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.errors import UnknownHousehold
from rewards.org.models import OrgUnit
from rewards.people.models import Household, Person, Resident
from rewards.people.residents import SEARCH_LIMIT, name_or_phone_contains
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class Member:
    person_id: int
    name: str
    status: str  # pending | verified (those who left are no longer members)
    is_head: bool


@dataclass(frozen=True)
class HouseholdView:
    id: int
    invite_code: str
    unit_name: str
    unit_path: str
    members: tuple[Member, ...]  # the head first, then by joining

    @property
    def head(self) -> Member | None:
        return next((member for member in self.members if member.is_head), None)


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    unit_name: str
    head_name: str | None
    members: int
    pending: int  # members waiting for staff to verify them


async def load_household(session: AsyncSession, household_id: int) -> HouseholdView:
    """Raises unknown_household."""
    found = (
        await session.execute(
            select(Household, OrgUnit.name, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == Household.org_unit_id)
            .where(Household.id == household_id)
        )
    ).one_or_none()
    if found is None:
        raise UnknownHousehold()
    household, unit_name, unit_path = found
    rows = await session.execute(
        select(Person.id, Person.display_name, Resident.status)
        .join(Resident, Resident.person_id == Person.id)
        .where(Resident.household_id == household_id, Resident.status != "left")
        .order_by((Person.id == household.head_person_id).desc(), Resident.created_at)
    )
    members = tuple(
        Member(person_id, name, status, person_id == household.head_person_id)
        for person_id, name, status in rows
    )
    return HouseholdView(household.id, household.invite_code, unit_name, unit_path, members)


async def household_for_staff(
    session: AsyncSession, *, staff: StaffView, household_id: int
) -> HouseholdView:
    """Raises unknown_household, out_of_scope."""
    household = await load_household(session, household_id)
    staff.require(Action.SEE_RESIDENTS, household.unit_path)
    return household


async def search_households(
    uow: UnitOfWork, *, staff: StaffView, query: str = ""
) -> list[HouseholdRow]:
    """Households where the staff member may see residents; `query` finds them by a
    member's name or phone (where phones are shown to them), or by the invite code. At
    most SEARCH_LIMIT, newest first. Raises out_of_scope for a role that sees none."""
    staff.require_somewhere(Action.SEE_RESIDENTS)
    head = Person.__table__.alias("head")
    active = Resident.status != "left"
    statement = (
        select(
            Household.id,
            OrgUnit.name,
            head.c.display_name,
            func.count(Resident.person_id).filter(active),
            func.count(Resident.person_id).filter(Resident.status == "pending"),
        )
        .join(OrgUnit, OrgUnit.id == Household.org_unit_id)
        .outerjoin(head, head.c.id == Household.head_person_id)
        .outerjoin(Resident, Resident.household_id == Household.id)
        .where(staff.reaches_for(Action.SEE_RESIDENTS, OrgUnit.path))
        .group_by(Household.id, OrgUnit.name, head.c.display_name)
        .order_by(Household.created_at.desc(), Household.id.desc())
        .limit(SEARCH_LIMIT)
    )
    if query.strip():
        # Correlated to the household's unit (OrgUnit), where its members live.
        with_member = (
            select(Resident.household_id)
            .join(Person, Person.id == Resident.person_id)
            .where(name_or_phone_contains(query.strip(), staff), active)
        )
        statement = statement.where(
            or_(Household.invite_code == query.strip().upper(), Household.id.in_(with_member))
        )
    async with uow.read() as session:
        rows = (await session.execute(statement)).all()
    return [HouseholdRow(*row) for row in rows]
