"""The kiosk's tests: a love supermarket (tests/redemption/shop.py) at a fixed time, and
what they look at in the database afterwards."""

from __future__ import annotations

from sqlalchemy import select

from core.uow import UnitOfWork
from rewards.points.wallet import my_wallet
from rewards.redemption.models import CatalogueItem
from tests.rewards.community import ZONE


async def balance(uow: UnitOfWork, person_id: int) -> int:
    wallet = await my_wallet(uow, person_id=person_id, locale="zh_Hans", zone=ZONE)
    return sum(b.redeemable_now for b in wallet.balances)


async def stock(uow: UnitOfWork, item_id: int) -> int | None:
    async with uow.read() as session:
        return await session.scalar(select(CatalogueItem.stock).where(CatalogueItem.id == item_id))
