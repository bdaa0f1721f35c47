"""Refunds by staff: the checkout's entry reversed, its stock back on the shelf, its fee
offsets withdrawn, the reason in the audit log and the resident told."""

from __future__ import annotations

from sqlalchemy import select, update

from core.uow import UnitOfWork
from ledger.service import available, reverse_entry
from rewards.audit import record_audit
from rewards.errors import ReasonRequired
from rewards.people.residents import load_resident
from rewards.points.accounts import person_wallet
from rewards.redemption import receipts
from rewards.redemption.errors import (
    AlreadyRefunded,
    CheckoutFinished,
    CheckoutGone,
    FeeOffsetSettled,
)
from rewards.redemption.models import CatalogueItem, Checkout, CheckoutLine, FeeOffset
from rewards.redemption.outlets import load_outlet
from rewards.staff.permissions import Action
from rewards.staff.service import StaffView


async def refund(uow: UnitOfWork, *, staff: StaffView, checkout_id: int, reason: str) -> int:
    """Returns the reversing entry's id. Raises reason_required, checkout_gone,
    out_of_scope, already_refunded, checkout_finished (not completed)."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    async with uow.write() as session:
        now = uow.now()
        checkout = await session.scalar(
            select(Checkout).where(Checkout.id == checkout_id).with_for_update()
        )
        if checkout is None:
            raise CheckoutGone()
        outlet = await load_outlet(session, checkout.outlet_id)
        staff.require(Action.MANAGE_OUTLETS, outlet.unit_path)
        if checkout.status == "refunded":
            raise AlreadyRefunded()
        if checkout.status != "completed" or checkout.entry_id is None:
            raise CheckoutFinished(status=checkout.status)
        settled = await session.scalar(
            select(FeeOffset.id).where(
                FeeOffset.checkout_id == checkout.id, FeeOffset.status == "settled"
            )
        )
        if settled is not None:  # the fee was taken off already: refunding pays twice
            raise FeeOffsetSettled()
        entry = await reverse_entry(
            session,
            entry_id=checkout.entry_id,
            idempotency_key=f"checkout:{checkout.id}:refund",
            now=now,
            memo=reason[:200],
            actor=f"staff:{staff.id}",
        )
        lines = await session.execute(
            select(CheckoutLine.item_id, CheckoutLine.quantity)
            .where(CheckoutLine.checkout_id == checkout.id)
            .order_by(CheckoutLine.item_id)
        )
        for item_id, quantity in lines:
            await session.execute(
                update(CatalogueItem)
                .where(CatalogueItem.id == item_id, CatalogueItem.stock.is_not(None))
                .values(stock=CatalogueItem.stock + quantity)
            )
        await session.execute(
            update(FeeOffset).where(FeeOffset.checkout_id == checkout.id).values(status="refunded")
        )
        checkout.status = "refunded"
        checkout.refund_entry_id = entry.id
        record_audit(
            session,
            at=now,
            actor_staff_id=staff.id,
            action="checkout.refund",
            target=f"checkout:{checkout.id}",
            unit_path=outlet.unit_path,
            reason=reason,
            details={"points": checkout.total_points, "point_type": checkout.point_type},
        )
        assert checkout.person_id is not None
        assert checkout.point_type is not None
        payer = await load_resident(session, checkout.person_id)
        wallet = await person_wallet(session, checkout.person_id, checkout.point_type, now)
        left = await available(session, wallet.id)
        names = await receipts.sold(session, checkout.id)
        await receipts.send_receipt(
            session, checkout, payer, outlet, names, left, now, key="redemption.refunded"
        )
        return entry.id
