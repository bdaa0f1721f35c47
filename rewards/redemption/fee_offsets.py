"""Fees paid with points (抵扣费用): the property office sees the ones of the outlets its
staff manage, and marks them settled with its own reference (the receipt it wrote). A
settled offset can no longer be refunded (rewards.redemption.refunds): the fee was
already taken off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.audit import record_audit
from rewards.errors import ReasonRequired
from rewards.org.models import OrgUnit
from rewards.people.models import Person
from rewards.redemption.models import CatalogueItem, Checkout, FeeOffset, Outlet
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView

STATUSES = ("due", "settled", "refunded")
LIST_LIMIT = 500


@dataclass(frozen=True)
class FeeOffsetRow:
    id: int
    created_at: datetime
    outlet: str
    item: str
    person: str
    household_id: int | None
    value_fen: int
    status: str
    settlement_ref: str | None
    settled_at: datetime | None


@dataclass(frozen=True)
class Settled:
    settled: int  # marked settled now
    skipped: int  # already settled, refunded, or out of reach


async def fee_offsets(
    uow: UnitOfWork, *, staff: StaffView, status: str = "due"
) -> list[FeeOffsetRow]:
    """The fee offsets of the outlets this staff member manages, oldest first. Raises
    out_of_scope for staff who manage no outlet."""
    staff.require_somewhere(Action.MANAGE_OUTLETS)
    async with uow.read() as session:
        rows = await session.execute(
            select(
                FeeOffset.id,
                FeeOffset.created_at,
                Outlet.name,
                CatalogueItem.name,
                Person.display_name,
                FeeOffset.household_id,
                FeeOffset.value_fen,
                FeeOffset.status,
                FeeOffset.settlement_ref,
                FeeOffset.settled_at,
            )
            .join(Checkout, Checkout.id == FeeOffset.checkout_id)
            .join(Outlet, Outlet.id == Checkout.outlet_id)
            .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
            .join(CatalogueItem, CatalogueItem.id == FeeOffset.item_id)
            .join(Person, Person.id == FeeOffset.person_id)
            .where(
                FeeOffset.status == (status if status in STATUSES else "due"),
                staff.reaches_for(Action.MANAGE_OUTLETS, OrgUnit.path),
            )
            .order_by(FeeOffset.created_at, FeeOffset.id)
            .limit(LIST_LIMIT)
        )
        return [FeeOffsetRow(*tuple(row)) for row in rows]


async def settle(
    uow: UnitOfWork, *, staff: StaffView, offset_ids: Sequence[int], reference: str
) -> Settled:
    """Mark these fee offsets settled under the office's `reference`. Those already
    settled, refunded, or outside this staff member's outlets are left as they are and
    counted as skipped. Raises out_of_scope (manages no outlet), reason_required (no
    reference)."""
    staff.require_somewhere(Action.MANAGE_OUTLETS)
    reference = reference.strip()[:64]
    if not reference:
        raise ReasonRequired()
    async with uow.write() as session:
        now = uow.now()
        rows = await session.execute(
            select(FeeOffset, OrgUnit.path)
            .join(Checkout, Checkout.id == FeeOffset.checkout_id)
            .join(Outlet, Outlet.id == Checkout.outlet_id)
            .join(OrgUnit, OrgUnit.id == Outlet.org_unit_id)
            .where(FeeOffset.id.in_(sorted(set(offset_ids))))
            .order_by(FeeOffset.id)
            .with_for_update(of=FeeOffset)
        )
        settled = 0
        for offset, path in rows:
            if offset.status != "due" or not staff.can(Action.MANAGE_OUTLETS, path):
                continue
            offset.status = "settled"
            offset.settled_at = now
            offset.settled_by_staff_id = staff.id
            offset.settlement_ref = reference
            settled += 1
            record_audit(
                session,
                at=now,
                actor_staff_id=staff.id,
                action="fee_offset.settle",
                target=f"fee_offset:{offset.id}",
                unit_path=path,
                reason=reference,
                details={"value_fen": offset.value_fen, "checkout": offset.checkout_id},
            )
        return Settled(settled, len(set(offset_ids)) - settled)
