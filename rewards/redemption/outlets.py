"""Outlets and who may work them: an operator acts at the outlets they are listed for,
with a role that allows redeeming there; staff who manage outlets set up the rest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import UnknownOrgUnit
from rewards.org.models import OrgUnit
from rewards.redemption.errors import (
    InvalidOpeningHours,
    NotYourOutlet,
    OutletClosed,
    OutletCodeTaken,
    UnknownOutlet,
)
from rewards.redemption.models import Outlet, OutletOperator
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class OutletView:
    id: int
    code: str
    name: str
    name_en: str | None
    unit_path: str
    opening_hours: str
    active: bool


def opening_spans(hours: str) -> list[tuple[time, time]]:
    """ "08:30-11:30,14:00-17:30" as spans; raises ValueError for anything else."""
    spans = []
    for part in (p.strip() for p in hours.split(",") if p.strip()):
        match = _SPAN.match(part)
        if match is None:
            raise ValueError(part)
        start = time(int(match[1]), int(match[2]))
        end = time(23, 59, 59) if match[3] == "24" else time(int(match[3]), int(match[4]))
        if end <= start:
            raise ValueError(part)
        spans.append((start, end))
    return spans


def is_open(hours: str, at: datetime, zone: ZoneInfo) -> bool:
    spans = opening_spans(hours)
    local = at.astimezone(zone).time()
    return not spans or any(start <= local < end for start, end in spans)


# An outlet as its view needs it, and whether the staff member (the "staff_id"
# parameter) is listed to work its counter: built once, for every kiosk step asks.
OUTLET_COLUMNS = (
    Outlet.id,
    Outlet.code,
    Outlet.name,
    Outlet.name_en,
    OrgUnit.path,
    Outlet.opening_hours,
    Outlet.active,
)
LISTED = (
    select(OutletOperator.staff_id)
    .where(
        OutletOperator.outlet_id == Outlet.id,
        OutletOperator.staff_id == bindparam("staff_id"),
    )
    .exists()
)
_OUTLET = (
    select(*OUTLET_COLUMNS)
    .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
    .where(Outlet.id == bindparam("outlet_id"))
)
_AT_COUNTER = _OUTLET.add_columns(LISTED)


async def outlet_at_counter(session: AsyncSession, staff: StaffView, outlet_id: int) -> OutletView:
    """The outlet, when this staff member may work its counter now. Raises unknown_outlet,
    out_of_scope (no role that redeems there), not_your_outlet."""
    row = (
        await session.execute(_AT_COUNTER, {"outlet_id": outlet_id, "staff_id": staff.id})
    ).one_or_none()
    if row is None:
        raise UnknownOutlet()
    return at_counter(staff, row)


def at_counter(staff: StaffView, row: Sequence[Any]) -> OutletView:
    """The outlet of a row of OUTLET_COLUMNS and LISTED, when this staff member may work
    its counter. Raises out_of_scope, not_your_outlet."""
    outlet = OutletView(*row[:-1])
    staff.require(Action.REDEEM, outlet.unit_path)
    if not row[-1] or not outlet.active:
        raise NotYourOutlet()
    return outlet


def require_open(outlet: OutletView, now: datetime, zone: ZoneInfo) -> None:
    if not is_open(outlet.opening_hours, now, zone):
        raise OutletClosed(hours=outlet.opening_hours)


async def load_outlet(session: AsyncSession, outlet_id: int) -> OutletView:
    row = (await session.execute(_OUTLET, {"outlet_id": outlet_id})).one_or_none()
    if row is None:
        raise UnknownOutlet()
    return OutletView(*row)


async def my_outlets(uow: UnitOfWork, *, staff: StaffView) -> list[OutletView]:
    """The outlets whose counter this staff member works (the kiosk page's choice).
    Raises out_of_scope for staff who redeem nowhere (an empty list would hide that)."""
    staff.require_somewhere(Action.REDEEM)
    async with uow.read() as session:
        ids = await session.scalars(
            select(OutletOperator.outlet_id)
            .join(Outlet, Outlet.id == OutletOperator.outlet_id)
            .where(OutletOperator.staff_id == staff.id, Outlet.active.is_(True))
            .order_by(OutletOperator.outlet_id)
        )
        views = [await load_outlet(session, outlet_id) for outlet_id in ids.all()]
    return [view for view in views if staff.can(Action.REDEEM, view.unit_path)]


async def create_outlet(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    unit_id: int,
    code: str,
    name: str,
    name_en: str | None = None,
    opening_hours: str = "",
    alert_chat_id: int | None = None,
) -> OutletView:
    """Raises invalid_opening_hours (unlike "08:30-11:30,14:00-17:30"),
    unknown_org_unit, out_of_scope."""
    try:
        opening_spans(opening_hours)
    except ValueError:
        raise InvalidOpeningHours(hours=opening_hours[:60]) from None
    async with uow.write() as session:
        unit = await session.get(OrgUnit, unit_id)
        if unit is None:
            raise UnknownOrgUnit()
        staff.require(Action.MANAGE_OUTLETS, unit.path)
        outlet = Outlet(
            code=code,
            name=name,
            name_en=name_en,
            org_unit_id=unit_id,
            opening_hours=opening_hours,
            alert_chat_id=alert_chat_id,
            created_at=uow.now(),
        )
        session.add(outlet)
        try:
            await session.flush()
        except IntegrityError:  # the code is unique: taken (perhaps a moment ago)
            raise OutletCodeTaken(code=code) from None
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="outlet.create",
            target=f"outlet:{outlet.id}",
            unit_path=unit.path,
            details={"code": code, "name": name, "opening_hours": opening_hours},
        )
        return await load_outlet(session, outlet.id)


async def add_operator(
    uow: UnitOfWork, *, staff: StaffView, outlet_id: int, operator_id: int
) -> None:
    """List a staff account as working the outlet's counter. Raises unknown_outlet,
    out_of_scope."""
    async with uow.write() as session:
        outlet = await load_outlet(session, outlet_id)
        staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
        if await session.get(OutletOperator, (outlet_id, operator_id)) is None:
            session.add(OutletOperator(outlet_id=outlet_id, staff_id=operator_id))
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="outlet.operator_add",
            target=f"outlet:{outlet_id}",
            unit_path=outlet.unit_path,
            details={"staff_id": operator_id},
        )
