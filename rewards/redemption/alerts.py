"""What the outlet's staff hear: an item running low, once as it crosses its threshold
(not at every sale below it), through the outbox: in the outlet's staff group when it
has one, and in the private chat of each of its operators who linked their Telegram
(rewards.staff.telegram), each in their own language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import DEFAULT_LOCALE
from rewards.messaging.outbox import notify
from rewards.redemption.models import CatalogueItem, Outlet, OutletOperator
from rewards.staff.models import StaffChat
from rewards.staff.telegram import linked_chats


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
    if outlet is None:
        return
    chats = await _operators_chats(session, outlet_id)
    if outlet.alert_chat_id is not None:
        chats.setdefault(outlet.alert_chat_id, DEFAULT_LOCALE)
    for chat_id, locale in chats.items():
        english = locale.startswith("en")
        for item in items:
            await notify(
                session,
                chat_id=chat_id,
                key="redemption.low_stock",
                locale=locale,
                now=now,
                params={
                    "outlet": outlet.name_en if english and outlet.name_en else outlet.name,
                    "item": item.name_en if english and item.name_en else item.name,
                    "left": item.stock or 0,
                },
            )


async def _operators_chats(session: AsyncSession, outlet_id: int) -> dict[int, str]:
    """Chat → language of the outlet's active operators who linked their Telegram (the
    language they chose in the bot, else their account's)."""
    query = linked_chats().join(OutletOperator, OutletOperator.staff_id == StaffChat.staff_id)
    rows = await session.execute(query.where(OutletOperator.outlet_id == outlet_id))
    return {chat_id: str(language) for _, chat_id, language in rows}
