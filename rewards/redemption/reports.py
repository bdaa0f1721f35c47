"""What the office reads about its love supermarkets: each outlet's day (settlement), the
shelves (stock), and what the bank owes (liability: points residents can still spend,
at each point type's yuan value). Reads only, scoped by place like every staff page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from ledger.models import Account
from rewards.org.models import OrgLevel, OrgUnit
from rewards.people.models import Resident
from rewards.points.accounts import WALLET
from rewards.points.models import PointType
from rewards.redemption.models import CatalogueItem, Checkout, CheckoutLine, Outlet
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

SOLD = ("completed", "refunded")  # a refunded sale happened, and is shown apart


@dataclass(frozen=True)
class ItemSold:
    name: str
    name_en: str | None
    quantity: int
    points: int
    value_fen: int


@dataclass(frozen=True)
class Settlement:
    outlet_id: int
    outlet: str
    outlet_en: str | None
    day: date
    checkouts: int  # completed and not refunded
    points: int
    value_fen: int
    refunds: int
    refunded_points: int
    items: tuple[ItemSold, ...]


@dataclass(frozen=True)
class StockLine:
    outlet: str
    outlet_en: str | None
    item: str
    item_en: str | None
    code: str
    stock: int
    low_stock_at: int

    @property
    def low(self) -> bool:
        return self.stock <= self.low_stock_at


@dataclass(frozen=True)
class Liability:
    community: str
    point_type: str
    point_type_name: str
    point_type_name_en: str | None
    points: int  # what residents of the community can spend
    value_fen: int


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start, start + timedelta(days=1)


async def settlements(
    uow: UnitOfWork, *, staff: StaffView, day: date, zone: ZoneInfo
) -> list[Settlement]:
    """Each outlet the staff member manages, on the local `day`. Raises out_of_scope for
    staff who manage no outlet anywhere."""
    staff.require_somewhere(Action.MANAGE_OUTLETS)
    start, end = _day_bounds(day, zone)
    async with uow.read() as session:
        outlets = await _managed_outlets(session, staff)
        return [await _settlement(session, outlet, day, start, end) for outlet in outlets]


async def _managed_outlets(session: AsyncSession, staff: StaffView) -> list[Outlet]:
    rows = await session.scalars(
        select(Outlet)
        .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
        .where(staff.reaches_for(Action.MANAGE_OUTLETS, OrgUnit.path))
        .order_by(Outlet.name, Outlet.id)
    )
    return list(rows)


async def _settlement(
    session: AsyncSession, outlet: Outlet, day: date, start: datetime, end: datetime
) -> Settlement:
    that_day = (
        Checkout.outlet_id == outlet.id,
        Checkout.status.in_(SOLD),
        Checkout.completed_at >= start,
        Checkout.completed_at < end,
    )
    totals = await session.execute(
        select(Checkout.status, func.count(), func.sum(Checkout.total_points))
        .where(*that_day)
        .group_by(Checkout.status)
    )
    by_status = {status: (int(n), int(points or 0)) for status, n, points in totals}
    sold = await session.execute(
        select(
            CatalogueItem.name,
            CatalogueItem.name_en,
            func.sum(CheckoutLine.quantity),
            func.sum(CheckoutLine.quantity * CheckoutLine.price_points),
            func.sum(CheckoutLine.quantity * CheckoutLine.value_fen),
        )
        .join(CheckoutLine, CheckoutLine.item_id == CatalogueItem.id)
        .join(Checkout, Checkout.id == CheckoutLine.checkout_id)
        .where(*that_day, Checkout.status == "completed")
        .group_by(CatalogueItem.id, CatalogueItem.name, CatalogueItem.name_en)
        .order_by(CatalogueItem.name)
    )
    items = tuple(
        ItemSold(name, name_en, int(quantity), int(points), int(value))
        for name, name_en, quantity, points, value in sold
    )
    count, points = by_status.get("completed", (0, 0))
    refunds, refunded = by_status.get("refunded", (0, 0))
    return Settlement(
        outlet.id,
        outlet.name,
        outlet.name_en,
        day,
        count,
        points,
        sum(item.value_fen for item in items),
        refunds,
        refunded,
        items,
    )


async def stock_levels(uow: UnitOfWork, *, staff: StaffView) -> list[StockLine]:
    """Goods on the shelves of the outlets the staff member manages, lowest first."""
    staff.require_somewhere(Action.MANAGE_OUTLETS)
    async with uow.read() as session:
        rows = await session.execute(
            select(Outlet.name, Outlet.name_en, CatalogueItem)
            .join(CatalogueItem, CatalogueItem.outlet_id == Outlet.id)
            .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
            .where(
                staff.reaches_for(Action.MANAGE_OUTLETS, OrgUnit.path),
                CatalogueItem.stock.is_not(None),
                CatalogueItem.active.is_(True),
            )
        )
        lines = [
            StockLine(
                outlet,
                outlet_en,
                item.name,
                item.name_en,
                item.code,
                int(item.stock or 0),
                item.low_stock_at,
            )
            for outlet, outlet_en, item in rows
        ]
    return sorted(lines, key=lambda line: (not line.low, line.outlet, line.item))


async def liabilities(uow: UnitOfWork, *, staff: StaffView) -> list[Liability]:
    """Per community (or village) the staff member reaches and redeemable point type:
    what its residents can spend now (posted less held), in points and in yuan."""
    staff.require_somewhere(Action.MANAGE_OUTLETS)
    async with uow.read() as session:
        communities = await session.execute(
            select(OrgUnit.name, OrgUnit.path)
            .where(
                OrgUnit.level.in_((OrgLevel.COMMUNITY, OrgLevel.VILLAGE)),
                staff.reaches_for(Action.MANAGE_OUTLETS, OrgUnit.path),
            )
            .order_by(OrgUnit.path)
        )
        found = []
        for name, path in communities:
            found += await _owed_in(session, name, path)
    return found


async def _owed_in(session: AsyncSession, community: str, path: str) -> list[Liability]:
    # Wallets are owned by "person:<id>" (rewards.points.accounts.person_ref).
    owners = (
        select(literal("person:", String) + cast(Resident.person_id, String))
        .join(OrgUnit, OrgUnit.id == Resident.org_unit_id)
        .where(OrgUnit.path.startswith(path))
    )
    rows = await session.execute(
        select(
            PointType.code,
            PointType.name,
            PointType.name_en,
            PointType.value_fen,
            func.coalesce(func.sum(Account.posted - Account.held), 0),
        )
        .join(Account, Account.unit == PointType.code)
        .where(
            PointType.redeemable.is_(True),
            Account.kind == WALLET,
            Account.owner_ref.in_(owners),
        )
        .group_by(PointType.code, PointType.name, PointType.name_en, PointType.value_fen)
        .order_by(PointType.code)
    )
    return [
        Liability(community, code, name, name_en, int(points or 0), int(points or 0) * int(value))
        for code, name, name_en, value, points in rows
    ]
