"""What an outlet offers: goods with stock, and fee offsets (抵扣费用) without."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import ReasonRequired
from rewards.points.models import PointType
from rewards.redemption.errors import InvalidQuantity, ItemCodeTaken, NotRedeemable, UnknownItem
from rewards.redemption.models import CatalogueItem
from rewards.redemption.outlets import OutletView, load_outlet
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

KINDS = ("goods", "fee_offset")
LIMIT_PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True)
class ItemView:
    id: int
    outlet_id: int
    code: str
    name: str
    name_en: str | None
    kind: str
    point_type: str
    price_points: int
    value_fen: int
    stock: int | None
    low_stock_at: int
    limit_per_resident: int | None
    limit_period: str | None
    active: bool

    @property
    def low(self) -> bool:
        return self.stock is not None and self.stock <= self.low_stock_at


def item_view(item: CatalogueItem) -> ItemView:
    return ItemView(
        item.id,
        item.outlet_id,
        item.code,
        item.name,
        item.name_en,
        item.kind,
        item.point_type,
        item.price_points,
        item.value_fen,
        item.stock,
        item.low_stock_at,
        item.limit_per_resident,
        item.limit_period,
        item.active,
    )


async def outlet_items(session: AsyncSession, outlet_id: int) -> list[ItemView]:
    items = await session.scalars(
        select(CatalogueItem)
        .where(CatalogueItem.outlet_id == outlet_id, CatalogueItem.active.is_(True))
        .order_by(CatalogueItem.kind, CatalogueItem.name)
    )
    return [item_view(item) for item in items]


async def add_item(
    uow: UnitOfWork,
    *,
    staff: StaffView,
    outlet_id: int,
    code: str,
    name: str,
    point_type: str,
    price_points: int,
    value_fen: int,
    kind: str = "goods",
    stock: int = 0,
    name_en: str | None = None,
    low_stock_at: int = 0,
    limit_per_resident: int | None = None,
    limit_period: str | None = None,
) -> ItemView:
    """Raises unknown_outlet, out_of_scope, point_type_not_redeemable, invalid_quantity."""
    if kind not in KINDS or price_points <= 0 or value_fen < 0 or stock < 0:
        raise InvalidQuantity()
    _check_limit(limit_per_resident, limit_period)
    async with uow.write() as session:
        outlet = await load_outlet(session, outlet_id)
        staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
        redeemable = await session.scalar(
            select(PointType.redeemable).where(PointType.code == point_type)
        )
        if not redeemable:
            raise NotRedeemable()
        item = CatalogueItem(
            outlet_id=outlet_id,
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            point_type=point_type,
            price_points=price_points,
            value_fen=value_fen,
            stock=None if kind == "fee_offset" else stock,
            low_stock_at=low_stock_at,
            limit_per_resident=limit_per_resident,
            limit_period=limit_period,
            created_at=uow.now(),
        )
        session.add(item)
        try:
            await session.flush()
        except IntegrityError:  # one code per outlet's shelf: the scanner reads it
            raise ItemCodeTaken(code=code) from None
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="outlet.item_add",
            target=f"outlet_item:{item.id}",
            unit_path=outlet.unit_path,
            details={"code": code, "price_points": price_points, "stock": item.stock},
        )
        return item_view(item)


@dataclass(frozen=True)
class ItemChange:
    """What a manager may change on an item already on the shelf (its code, kind and
    point type stay: checkouts and reports refer to them)."""

    name: str
    name_en: str | None
    price_points: int
    value_fen: int
    low_stock_at: int
    limit_per_resident: int | None
    limit_period: str | None
    active: bool  # False: retired, off the kiosk, kept in past checkouts and reports


async def change_item(
    uow: UnitOfWork, *, staff: StaffView, item_id: int, change: ItemChange
) -> ItemView:
    """A new price, name, low-stock mark or limit, or the item retired or brought back.
    Checkouts already made keep their own prices. Raises unknown_item, out_of_scope,
    invalid_quantity."""
    if change.price_points <= 0 or change.value_fen < 0 or change.low_stock_at < 0:
        raise InvalidQuantity()
    _check_limit(change.limit_per_resident, change.limit_period)
    async with uow.write() as session:
        item, outlet = await _managed_item(session, staff, item_id)
        fields = ItemChange.__dataclass_fields__
        before = {field: getattr(item, field) for field in fields}
        for field in fields:
            setattr(item, field, getattr(change, field))
        after = {field: getattr(item, field) for field in fields}
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="outlet.item_change",
            target=f"outlet_item:{item.id}",
            unit_path=outlet.unit_path,
            details={
                field: [before[field], after[field]]
                for field in fields
                if before[field] != after[field]
            },
        )
        return item_view(item)


async def restock(
    uow: UnitOfWork, *, staff: StaffView, item_id: int, added: int, reason: str | None = None
) -> ItemView:
    """Add (or, negative, write off with a reason: breakage, a count) units on the shelf.
    Raises unknown_item, out_of_scope, reason_required, invalid_quantity (below zero, or
    an item without stock)."""
    reason = (reason or "").strip() or None
    if added < 0 and reason is None:
        raise ReasonRequired()
    async with uow.write() as session:
        item, outlet = await _managed_item(session, staff, item_id)
        if item.stock is None or item.stock + added < 0 or added == 0:
            raise InvalidQuantity()
        item.stock += added
        record_audit(
            session,
            at=uow.now(),
            actor_staff_id=staff.id,
            action="outlet.restock",
            target=f"outlet_item:{item.id}",
            unit_path=outlet.unit_path,
            reason=reason,
            details={"added": added, "stock": item.stock},
        )
        return item_view(item)


async def _managed_item(
    session: AsyncSession, staff: StaffView, item_id: int
) -> tuple[CatalogueItem, OutletView]:
    """The item, locked, when this staff member manages its outlet."""
    item = await session.scalar(
        select(CatalogueItem).where(CatalogueItem.id == item_id).with_for_update()
    )
    if item is None:
        raise UnknownItem()
    outlet = await load_outlet(session, item.outlet_id)
    staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
    return item, outlet


def _check_limit(limit_per_resident: int | None, limit_period: str | None) -> None:
    """A limit needs its period, and a period its limit."""
    if (limit_per_resident is None) != (limit_period is None) or (
        limit_period is not None and limit_period not in LIMIT_PERIODS
    ):
        raise InvalidQuantity()
