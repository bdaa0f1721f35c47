"""What the resident hears of a checkout: the receipt when it completes, and a refund."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.models import Account
from ledger.service import available
from rewards.messaging.outbox import notify
from rewards.people.models import Person
from rewards.people.residents import telegram_chat
from rewards.points.accounts import wallet_code
from rewards.redemption.models import CatalogueItem, Checkout, CheckoutLine, Outlet


async def send_receipt(
    session: AsyncSession, checkout: Checkout, now: datetime, *, key: str = "redemption.receipt"
) -> None:
    """Queued in the checkout's own transaction: it goes out once that commits."""
    assert checkout.person_id is not None
    assert checkout.point_type is not None
    chat_id = await telegram_chat(session, checkout.person_id)
    person = await session.get(Person, checkout.person_id)
    if chat_id is None or person is None:
        return
    english = person.language.startswith("en")
    outlet = await session.get(Outlet, checkout.outlet_id)
    assert outlet is not None
    rows = await session.execute(
        select(CatalogueItem.name, CatalogueItem.name_en, CheckoutLine.quantity)
        .join(CheckoutLine, CheckoutLine.item_id == CatalogueItem.id)
        .where(CheckoutLine.checkout_id == checkout.id)
        .order_by(CatalogueItem.id)
    )
    items = "\n".join(
        f"• {(name_en if english and name_en else name)} × {quantity}"
        for name, name_en, quantity in rows
    )
    wallet = await session.scalar(
        select(Account.id).where(
            Account.code == wallet_code(checkout.person_id, checkout.point_type)
        )
    )
    await notify(
        session,
        chat_id=chat_id,
        key=key,
        locale=person.language,
        now=now,
        params={
            "outlet": (outlet.name_en if english and outlet.name_en else outlet.name),
            "items": items,
            "points": checkout.total_points,
            "number": checkout.id,
            "balance": await available(session, wallet) if wallet is not None else 0,
        },
    )
