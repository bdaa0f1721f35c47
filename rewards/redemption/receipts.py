"""What the resident hears of a checkout: the receipt when it completes, and a refund."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rewards.messaging.outbox import notify
from rewards.people.residents import ResidentView
from rewards.redemption.models import CatalogueItem, Checkout, CheckoutLine
from rewards.redemption.outlets import OutletView

Names = list[tuple[str, str | None, int]]  # an item's name, English name and quantity


async def send_receipt(
    session: AsyncSession,
    checkout: Checkout,
    payer: ResidentView,
    outlet: OutletView,
    items: Names,
    left: int,
    now: datetime,
    *,
    key: str,
) -> None:
    """Queued in the checkout's own transaction: it goes out once that commits. Built
    from what the checkout's step has in hand (the resident's chat came with them)."""
    chat_id = payer.chat_id
    if chat_id is None:
        return
    english = payer.language.startswith("en")
    lines = "\n".join(
        f"• {(name_en if english and name_en else name)} × {quantity}"
        for name, name_en, quantity in items
    )
    await notify(
        session,
        chat_id=chat_id,
        key=key,
        locale=payer.language,
        now=now,
        params={
            "outlet": outlet.name_en if english and outlet.name_en else outlet.name,
            "items": lines,
            "points": checkout.total_points,
            "number": checkout.id,
            "balance": left,
        },
    )


async def sold(session: AsyncSession, checkout_id: int) -> Names:
    """What a checkout sold, for a receipt written later (a refund's)."""
    rows = await session.execute(
        select(CatalogueItem.name, CatalogueItem.name_en, CheckoutLine.quantity)
        .join(CheckoutLine, CheckoutLine.item_id == CatalogueItem.id)
        .where(CheckoutLine.checkout_id == checkout_id)
        .order_by(CatalogueItem.id)
    )
    return [(name, name_en, quantity) for name, name_en, quantity in rows]
