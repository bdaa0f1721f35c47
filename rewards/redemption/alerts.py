"""What the outlet's staff hear: an item running low, once as it crosses its threshold
(not at every sale below it), in the outlet's staff group, through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import DEFAULT_LOCALE
from rewards.messaging.outbox import notify
from rewards.redemption.models import CatalogueItem, Outlet


def crossed_low(item: CatalogueItem, sold: int) -> bool:
    """True when this sale took the item from above its threshold to at or below it."""
    if item.stock is None:
        return False
    return item.stock <= item.low_stock_at < item.stock + sold


async def tell_low_stock(
    session: AsyncSession, outlet_id: int, items: list[CatalogueItem], now: datetime
) -> None:
    if not items:  # most sales: nothing to read
        return
    outlet = await session.get(Outlet, outlet_id)
    if outlet is None or outlet.alert_chat_id is None:
        return
    for item in items:
        await notify(
            session,
            chat_id=outlet.alert_chat_id,
            key="redemption.low_stock",
            locale=DEFAULT_LOCALE,
            now=now,
            params={"outlet": outlet.name, "item": item.name, "left": item.stock or 0},
        )
