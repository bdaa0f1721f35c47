"""A household's points: its members' wallets added up, plus the household base of the
point types that have one.

Points belong to residents and roll up to households (PRODUCT §2). Litang starts every
household at a base of 100 of which nothing is redeemable: the base counts in the
household's total (and in household rankings) but is never spent. Deductions that find a
member's wallet empty take from it (see rewards.points.accounts), so the base left is read
from its ledger account once it has one, and is the point type's whole base before. What
is redeemable is what the members hold above it, that is their wallets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from ledger.models import Account
from ledger.service import balances_of
from rewards.people.households import HouseholdView, household_for_staff
from rewards.people.models import Resident
from rewards.points.accounts import HOUSEHOLD_BASE, WALLET, household_ref, person_ref
from rewards.points.models import PointType
from rewards.staff.service import StaffView


@dataclass(frozen=True)
class HouseholdPoints:
    point_type: str
    name: str
    name_en: str | None
    base: int  # what is left of the household's base
    full_base: int  # the point type's base, what every household starts with
    members: int  # what the members' wallets hold together
    redeemable: int

    @property
    def total(self) -> int:
        return self.base + self.members


@dataclass(frozen=True)
class HouseholdCard:
    household: HouseholdView
    points: tuple[HouseholdPoints, ...]


# Built once: every "My points" of a resident in a household reads these.
_ACCOUNTS = select(Account).where(
    (Account.owner_ref.in_(bindparam("owners", expanding=True)) & (Account.kind == WALLET))
    | ((Account.owner_ref == bindparam("household")) & (Account.kind == HOUSEHOLD_BASE))
)
_POINT_TYPES = select(PointType).order_by(PointType.id)
_MEMBERS = select(Resident.person_id).where(
    Resident.household_id == bindparam("household_id"), Resident.status != "left"
)


async def household_points(
    session: AsyncSession, household_id: int, member_ids: Sequence[int]
) -> tuple[HouseholdPoints, ...]:
    """Per point type the household has a base in or its members hold."""
    params = {
        "owners": [person_ref(person_id) for person_id in member_ids],
        "household": household_ref(household_id),
    }
    accounts = (await session.scalars(_ACCOUNTS, params)).all()
    figures = await balances_of(session, accounts)
    held: dict[str, int] = defaultdict(int)
    spendable: dict[str, int] = defaultdict(int)
    base_left: dict[str, int] = {}
    for account in accounts:
        if account.kind == HOUSEHOLD_BASE:
            base_left[account.unit] = figures[account.id].posted
            continue
        held[account.unit] += figures[account.id].posted
        spendable[account.unit] += max(figures[account.id].available, 0)
    point_types = await session.scalars(_POINT_TYPES)
    return tuple(
        HouseholdPoints(
            point_type.code,
            point_type.name,
            point_type.name_en,
            base_left.get(point_type.code, point_type.household_base),
            point_type.household_base,
            held[point_type.code],
            spendable[point_type.code] if point_type.redeemable else 0,
        )
        for point_type in point_types
        if point_type.household_base or point_type.code in held
    )


async def my_household_points(
    session: AsyncSession, household_id: int
) -> tuple[HouseholdPoints, ...]:
    """The same for a resident's wallet: only who the members are, not the roster."""
    members = await session.scalars(_MEMBERS, {"household_id": household_id})
    return await household_points(session, household_id, members.all())


async def household_card(uow: UnitOfWork, *, staff: StaffView, household_id: int) -> HouseholdCard:
    """The household with its members and points. Raises unknown_household, out_of_scope."""
    async with uow.read() as session:
        household = await household_for_staff(session, staff=staff, household_id=household_id)
        members = [member.person_id for member in household.members]
        return HouseholdCard(household, await household_points(session, household.id, members))
