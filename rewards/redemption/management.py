"""Setting up outlets from the panel: which outlets a staff member manages, one outlet
with its operators, shelf and recent sales, and who works its counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.org.models import OrgUnit
from rewards.org.service import OrgUnitView, units_below
from rewards.points.models import PointType
from rewards.redemption.catalogue import ItemView, item_view
from rewards.redemption.errors import CannotRedeemHere, UnknownStaffName
from rewards.redemption.models import CatalogueItem, Checkout, Outlet, OutletOperator
from rewards.redemption.outlets import OutletView, add_operator, load_outlet
from rewards.staff.models import StaffAccount
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView, staff_by_username

RECENT_SALES = 30


@dataclass(frozen=True)
class OutletsPage:
    outlets: list[OutletView]
    units: list[OrgUnitView]  # where a new outlet may be opened


@dataclass(frozen=True)
class OperatorView:
    staff_id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class SaleView:
    checkout_id: int
    completed_at: datetime | None
    status: str  # completed | refunded
    total_points: int
    point_type: str | None


@dataclass(frozen=True)
class OutletPage:
    outlet: OutletView
    operators: list[OperatorView]
    items: list[ItemView]
    sales: list[SaleView]
    point_types: list[str]  # what items may be priced in (redeemable types)


async def managed_outlets(uow: UnitOfWork, *, staff: StaffView) -> OutletsPage:
    """Raises out_of_scope for staff who manage outlets nowhere."""
    staff.require_somewhere(Action.MANAGE_OUTLETS)
    async with uow.read() as session:
        ids = await session.scalars(
            select(Outlet.id)
            .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
            .where(staff.reaches_for(Action.MANAGE_OUTLETS, OrgUnit.path))
            .order_by(Outlet.name, Outlet.id)
        )
        outlets = [await load_outlet(session, outlet_id) for outlet_id in ids.all()]
    units = await units_below(uow, list(staff.paths_for(Action.MANAGE_OUTLETS)))
    return OutletsPage(outlets, units)


async def outlet_page(uow: UnitOfWork, *, staff: StaffView, outlet_id: int) -> OutletPage:
    """Raises unknown_outlet, out_of_scope."""
    async with uow.read() as session:
        outlet = await load_outlet(session, outlet_id)
        staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
        operators = await session.execute(
            select(StaffAccount.id, StaffAccount.username, StaffAccount.display_name)
            .join(OutletOperator, OutletOperator.staff_id == StaffAccount.id)
            .where(OutletOperator.outlet_id == outlet_id)
            .order_by(StaffAccount.username)
        )
        items = await session.scalars(
            select(CatalogueItem)
            .where(CatalogueItem.outlet_id == outlet_id)
            .order_by(CatalogueItem.kind, CatalogueItem.name)
        )
        sales = await session.execute(
            select(
                Checkout.id,
                Checkout.completed_at,
                Checkout.status,
                Checkout.total_points,
                Checkout.point_type,
            )
            .where(
                Checkout.outlet_id == outlet_id,
                Checkout.status.in_(("completed", "refunded")),
            )
            .order_by(Checkout.completed_at.desc(), Checkout.id.desc())
            .limit(RECENT_SALES)
        )
        types = await session.scalars(
            select(PointType.code).where(PointType.redeemable.is_(True)).order_by(PointType.id)
        )
        return OutletPage(
            outlet,
            [OperatorView(*row) for row in operators],
            [item_view(item) for item in items],
            [SaleView(*row) for row in sales],
            list(types.all()),
        )


async def list_operator(
    uow: UnitOfWork, *, staff: StaffView, outlet_id: int, username: str
) -> None:
    """List the staff account called `username` at the outlet's counter. Raises
    unknown_outlet, out_of_scope, unknown_staff_name, cannot_redeem_here (the account
    holds no role that redeems at the outlet: listing it would not let it in)."""
    operator = await staff_by_username(uow, username.strip())
    if operator is None:
        raise UnknownStaffName()
    async with uow.read() as session:
        outlet = await load_outlet(session, outlet_id)
    staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
    if not operator.can(Action.REDEEM, outlet.unit_path):
        raise CannotRedeemHere()
    await add_operator(uow, staff=staff, outlet_id=outlet_id, operator_id=operator.id)


async def remove_operator(
    uow: UnitOfWork, *, staff: StaffView, outlet_id: int, operator_id: int
) -> None:
    """Raises unknown_outlet, out_of_scope."""
    async with uow.write() as session:
        outlet = await load_outlet(session, outlet_id)
        staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
        await session.execute(
            delete(OutletOperator).where(
                OutletOperator.outlet_id == outlet_id, OutletOperator.staff_id == operator_id
            )
        )
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="outlet.operator_remove",
            target=f"outlet:{outlet_id}",
            unit_path=outlet.unit_path,
            details={"staff_id": operator_id},
        )
